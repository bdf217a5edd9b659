import type { DiagLogger } from "@opentelemetry/api";
import { objectOption } from "../config/option-values.js";
import type { ExporterName } from "../exporters/exporter-registry.js";
import type { ExitSignal } from "./exit-flush.js";

/** The exit flush (collector/exit-flush.ts), when on: the signals it listens to. */
export interface ExitFlushSettings {
  readonly signals: readonly ExitSignal[];
}

const EXIT_SIGNALS: readonly ExitSignal[] = ["SIGTERM", "SIGINT"];

/**
 * The `flushOnExit` option: on by default when something pushes or writes (with only the
 * Prometheus endpoint, or none, there is nothing to flush: scrapes read the live state).
 */
export function exitFlushOption(
  diag: DiagLogger,
  value: unknown,
  names: readonly ExporterName[],
): ExitFlushSettings | undefined {
  const pushes = names.some((name) => name !== "prometheus" && name !== "none");
  if (value === undefined) return pushes ? { signals: EXIT_SIGNALS } : undefined;
  if (value === false) return undefined;
  if (value === true) return { signals: EXIT_SIGNALS };
  const object = objectOption<{ signals?: unknown }>(diag, "flushOnExit", value);
  if (object === undefined) return pushes ? { signals: EXIT_SIGNALS } : undefined;
  if (object.signals === undefined) return { signals: EXIT_SIGNALS };
  const signals = Array.isArray(object.signals)
    ? object.signals.filter((signal): signal is ExitSignal => EXIT_SIGNALS.includes(signal as ExitSignal))
    : [];
  if (!Array.isArray(object.signals) || signals.length < object.signals.length)
    diag.warn(
      `zoran-telemetrie: option flushOnExit.signals must be an array of ${EXIT_SIGNALS.join(", ")}; others ignored`,
    );
  return { signals };
}
