import type { GoldenSignal } from "./golden-signals.js";
import type { TrafficKind } from "./label-values.js";
import {
  EXCHANGE_SIZE_METRIC,
  type MetricDefinition,
  REQUESTS_METRIC,
  TOKENS_METRIC,
} from "./metric-definitions.js";

/**
 * The one vocabulary of what is measured over a window, as alert rules, SLOs, charts, the
 * live page and the generated PromQL name it. It follows `GoldenSignals` with one spelling
 * kept from the rule files: `errors` for `error_rate` (what rules sum is the errors counter);
 * rule files may write either.
 */

/** The golden signals as rules and charts name them. */
export type SignalName = "latency" | "errors" | "traffic" | "saturation";

/** Every {@link SignalName}, in the order dashboards show them. */
export const SIGNAL_NAMES: readonly SignalName[] = Object.freeze([
  "latency",
  "errors",
  "traffic",
  "saturation",
]);

/** The rule/chart name of a `GoldenSignals` value (`error_rate` -> `errors`). */
export function signalNameOf(signal: GoldenSignal): SignalName {
  return signal === "error_rate" ? "errors" : signal;
}

/** A name as a rule file may write it (`error_rate` accepted for `errors`), or undefined. */
export function parseSignalName(value: unknown): SignalName | undefined {
  if (value === "error_rate") return "errors";
  return (SIGNAL_NAMES as readonly unknown[]).includes(value) ? (value as SignalName) : undefined;
}

/**
 * How a signal is summed up over a window: latency quantiles `p50`/`p95`/`p99` (seconds), error
 * `ratio` (errors per request) or `rate` (per second), traffic `rate` (per second), saturation
 * `last`/`max` (0..1).
 */
export type Statistic = "p50" | "p95" | "p99" | "ratio" | "rate" | "last" | "max";

/** Every {@link Statistic}, for validation. */
export const STATISTICS: readonly Statistic[] = Object.freeze([
  "p50",
  "p95",
  "p99",
  "ratio",
  "rate",
  "last",
  "max",
]);

/** The statistics each signal supports. */
export const SIGNAL_STATISTICS: Readonly<Record<SignalName, readonly Statistic[]>> = Object.freeze({
  latency: Object.freeze(["p50", "p95", "p99"] as Statistic[]),
  errors: Object.freeze(["ratio", "rate"] as Statistic[]),
  traffic: Object.freeze(["rate"] as Statistic[]),
  saturation: Object.freeze(["last", "max"] as Statistic[]),
});

/** Quantile (0..1) behind each latency statistic. */
export const STATISTIC_QUANTILES = Object.freeze({ p50: 0.5, p95: 0.95, p99: 0.99 } as const);

/** The counter a traffic rate of each kind reads: requests, tokens, or bytes (`zoran.exchange.size`). */
export const TRAFFIC_KIND_METRICS: Readonly<Record<TrafficKind, MetricDefinition>> = Object.freeze({
  bytes: EXCHANGE_SIZE_METRIC,
  tokens: TOKENS_METRIC,
  requests: REQUESTS_METRIC,
});
