import type { TrafficKind } from "../signals/label-values.js";
import type { SignalName, Statistic } from "../signals/signal-vocabulary.js";
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

export type { TrafficKind } from "../signals/label-values.js";
/** Every traffic kind, for validation (the closed set of `signals/label-values.ts`). */
export { TRAFFIC_KINDS as TRAFFIC_RATE_KINDS } from "../signals/label-values.js";
// The vocabulary lives in signals/ (one place); re-exported for the window's callers.
export type { SignalName, Statistic } from "../signals/signal-vocabulary.js";
export {
  SIGNAL_NAMES,
  SIGNAL_STATISTICS,
  STATISTIC_QUANTILES,
  STATISTICS,
} from "../signals/signal-vocabulary.js";

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
