import type { LabelMatcher, LabelSet } from "./label-matcher.js";

/** What a window query looks at and how it groups the answer. */
export interface WindowQuery {
  /** Length of the window, in milliseconds, ending at `nowMs`. */
  readonly windowMs: number;
  /** Series to include; none = all. */
  readonly matcher?: LabelMatcher;
  /** Labels to keep apart (like PromQL `sum by`); none = one aggregate over all matching series. */
  readonly by?: readonly string[];
  /** End of the window, epoch milliseconds. @default the store's clock */
  readonly nowMs?: number;
}

/** One answer of a window query: the group's labels (only those named in `by`) and its value. */
export interface WindowValue {
  readonly labels: LabelSet;
  readonly value: number;
}

/** The golden signals as alert rules and charts name them. */
export type SignalName = "latency" | "errors" | "traffic" | "saturation";

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

/** Every {@link SignalName}, for validation. */
export const SIGNAL_NAMES: readonly SignalName[] = Object.freeze([
  "latency",
  "errors",
  "traffic",
  "saturation",
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

/** The unit a traffic rate counts: requests, tokens, or bytes (`zoran.exchange.size`). */
export type TrafficKind = "requests" | "tokens" | "bytes";

/** Every {@link TrafficKind}, for validation. */
export const TRAFFIC_RATE_KINDS: readonly TrafficKind[] = Object.freeze(["requests", "tokens", "bytes"]);

/** A signal statistic to measure: what a rule or a chart names. */
export interface SignalSelector {
  readonly signal: SignalName;
  readonly statistic: Statistic;
  /** Traffic only: which unit. @default "requests" */
  readonly kind?: TrafficKind;
  /**
   * Latency SLOs only: with statistic `ratio`, measure the share of requests slower than this
   * many seconds instead of a quantile.
   */
  readonly latencyThresholdSeconds?: number;
}
