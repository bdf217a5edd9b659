/**
 * The four golden signals of an AI exchange: what `recordSignal()` accepts as its first argument.
 *
 * - `LATENCY`: seconds an operation took (>= 0).
 * - `ERROR_RATE`: error share of one operation, in [0, 1] (0 = success, 1 = failed).
 * - `TRAFFIC`: a count of `kind` units: `bytes` (default), `tokens` (with `direction`), or `requests`.
 * - `SATURATION`: a ratio in [0, 1] of a `resource` in use.
 *
 * @example
 * collector.recordSignal(GoldenSignals.LATENCY, 0.245);
 */
export const GoldenSignals = Object.freeze({
  LATENCY: "latency",
  ERROR_RATE: "error_rate",
  TRAFFIC: "traffic",
  SATURATION: "saturation",
} as const);

/** One of the values of {@link GoldenSignals}. */
export type GoldenSignal = (typeof GoldenSignals)[keyof typeof GoldenSignals];

/** Every golden signal, in the order dashboards show them. */
export const GOLDEN_SIGNAL_LIST: readonly GoldenSignal[] = Object.freeze([
  GoldenSignals.LATENCY,
  GoldenSignals.ERROR_RATE,
  GoldenSignals.TRAFFIC,
  GoldenSignals.SATURATION,
]);
