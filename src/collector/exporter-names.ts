import type { DiagLogger } from "@opentelemetry/api";
import { EXPORTER_NAMES, type ExporterName } from "../exporters/exporter-registry.js";

/** The `exporter` option as a list of known names without duplicates; unknown names are reported. */
export function exporterNames(diag: DiagLogger, exporter: unknown, source = "exporter"): ExporterName[] {
  const list = exporter === undefined ? ["prometheus"] : Array.isArray(exporter) ? exporter : [exporter];
  const known: ExporterName[] = [];
  for (const name of list) {
    if ((EXPORTER_NAMES as readonly unknown[]).includes(name)) {
      if (!known.includes(name as ExporterName)) known.push(name as ExporterName);
      continue;
    }
    const guess = typeof name === "string" ? closestName(name, EXPORTER_NAMES) : undefined;
    diag.error(
      `zoran-telemetrie: ${source}: unknown exporter ${typeof name === "string" ? `"${name.slice(0, 32)}"` : typeof name} ignored${guess === undefined ? "" : ` (did you mean "${guess}"?)`}; use ${EXPORTER_NAMES.join(", ")}`,
    );
  }
  return known.filter((name) => name !== "none");
}

/** The known name within edit distance 2 of `name`, if one is (for "did you mean"). */
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return 99;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
