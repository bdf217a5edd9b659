/** Default time between two pushes, in milliseconds (OpenTelemetry's `OTEL_METRIC_EXPORT_INTERVAL` default). */
export const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

/** Default bound on the final flush of `shutdown()`, in milliseconds. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * The export interval in milliseconds: the option when given, else `OTEL_METRIC_EXPORT_INTERVAL`,
 * else {@link DEFAULT_EXPORT_INTERVAL_MS}. Non-positive or non-numeric values are ignored.
 */
export function resolveExportIntervalMs(
  optionMs: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
): number {
  return (
    positive(optionMs) ?? positive(parseNumber(env.OTEL_METRIC_EXPORT_INTERVAL)) ?? DEFAULT_EXPORT_INTERVAL_MS
  );
}

/** A positive finite number, or `undefined`. */
export function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The number in an environment variable, or `undefined` when unset, empty or not a number. */
export function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
