// The subset of Prometheus alert templating (Go text/template) that the engine fills in itself:
// `{{ $value }}`, `{{ $labels.name }}`, optionally piped through humanize, humanizePercentage or
// humanizeDuration. Prometheus renders the same text natively in the generated rule files.
const TEMPLATE_PATTERN = /\{\{\s*\$(value|labels\.([A-Za-z_][A-Za-z0-9_]*))\s*(?:\|\s*([A-Za-z]+)\s*)?\}\}/g;

/**
 * Fills `{{ $value }}` and `{{ $labels.x }}` placeholders of an annotation, as Prometheus would.
 * Unknown labels become empty; other template syntax is left as written.
 */
export function expandTemplate(
  text: string,
  context: { value: number | null; labels: Readonly<Record<string, string>> },
): string {
  return text.replace(TEMPLATE_PATTERN, (_match, what: string, label: string | undefined, pipe?: string) => {
    if (label !== undefined) return context.labels[label] ?? "";
    const value = context.value;
    if (value === null) return "none";
    if (pipe === "humanizePercentage") return `${formatNumber(value * 100)}%`;
    if (pipe === "humanizeDuration")
      return value < 1 ? `${formatNumber(value * 1000)}ms` : `${formatNumber(value)}s`;
    if (pipe === "humanize") return formatNumber(value);
    return String(what === "value" ? value : "");
  });
}

function formatNumber(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** Stable hex id of a label set (FNV-1a, 64 bits), like Alertmanager's alert fingerprint. */
export function fingerprintLabels(labels: Readonly<Record<string, string>>): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const name of Object.keys(labels).sort()) {
    for (const char of `${name}\u00ff${labels[name]}\u00ff`) {
      hash ^= BigInt(char.codePointAt(0) ?? 0);
      hash = (hash * prime) & 0xffffffffffffffffn;
    }
  }
  return hash.toString(16).padStart(16, "0");
}
