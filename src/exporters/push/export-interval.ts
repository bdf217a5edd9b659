import type { DiagLogger } from "@opentelemetry/api";
import { durationFrom, durationOption, envDuration } from "../../config/duration-option.js";

/** Default time between two pushes, in milliseconds (OpenTelemetry's `OTEL_METRIC_EXPORT_INTERVAL` default). */
export const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

/** Default bound on the final flush of `shutdown()`, in milliseconds. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * The export interval of exporter `exporter` in milliseconds: its `intervalMs` option when usable,
 * else `OTEL_METRIC_EXPORT_INTERVAL`, else {@link DEFAULT_EXPORT_INTERVAL_MS}. Bad values are
 * reported once through `diag` and skipped; values past what timers accept are clamped
 * (src/config/duration-option.ts).
 */
export function resolveExportIntervalMs(
  optionMs: unknown,
  exporter: string,
  diag: DiagLogger | undefined,
  env: NodeJS.ProcessEnv = process.env,
): number {
  return durationFrom(
    [
      { name: `${exporter}.intervalMs`, value: optionMs },
      { name: "OTEL_METRIC_EXPORT_INTERVAL", value: envDuration(env.OTEL_METRIC_EXPORT_INTERVAL) },
    ],
    { defaultMs: DEFAULT_EXPORT_INTERVAL_MS },
    diag,
  );
}

/** The `shutdownTimeoutMs` option of exporter `exporter`, with the duration-option policy. */
export function resolveShutdownTimeoutMs(
  optionMs: unknown,
  exporter: string,
  diag: DiagLogger | undefined,
): number {
  return durationOption(
    optionMs,
    { name: `${exporter}.shutdownTimeoutMs`, defaultMs: DEFAULT_SHUTDOWN_TIMEOUT_MS },
    diag,
  );
}
