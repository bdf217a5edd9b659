import type { MetricDefinition } from "../signals/metric-definitions.js";
import type { LabelSet } from "./label-matcher.js";
import type { SlotLayout, SlotLog } from "./slot-log.js";

/**
 * One series of the store. Its slots live in one {@link SlotLog} per tier, holding only the
 * slots that received something; a histogram keeps no slots of its own in the coarse tier (the
 * tracked aggregates it adds to do, see {@link TrackedHistogram}).
 *
 * Per slot: a counter's delta; a histogram's bucket deltas (bounds + 1 numbers, the last one
 * above the last bound); a gauge's last and highest sample.
 *
 * Example, counter, 10 s slots, ingests at t = 10, 20, 30 s of cumulative 5, 7, 7: slots of
 * deltas 5 and 2 (the third, 0, is no record); the 30 s window sums to 7, a rate of 7 / 30 s.
 */
export interface Series {
  readonly metric: MetricDefinition;
  readonly labels: LabelSet;
  readonly layout: SlotLayout;
  /** Numbers per slot: 1 (counter), 2 (gauge), bounds + 1 (histogram). */
  readonly width: number;
  /** Histogram bounds (empty for counters and gauges). */
  readonly bounds: readonly number[];
  /** Last cumulative values seen (counter: `[value]`, histogram: `[count, buckets...]`; a plain array is half a Float64Array's size). */
  readonly previous: number[];
  seen: boolean;
  /** Epoch milliseconds of the ingest that first saw the series: it has no value before. */
  readonly firstSeenMs: number;
  /** One log per tier (none for a histogram in the coarse tier). */
  readonly logs: (SlotLog | undefined)[];
  /** The coarse groups of tracked histogram aggregates this series adds to. */
  readonly groups: HistogramGroup[];
}

/** One group of a tracked histogram aggregate: its `by` labels, bounds and coarse slots. */
export interface HistogramGroup {
  readonly labels: Record<string, string>;
  readonly bounds: readonly number[];
  readonly log: SlotLog;
}

/**
 * Records between checkpoints of the fine and the coarse logs: the live page asks the fine tier
 * for many short windows (a short scan to each start), alert rules ask the coarse one for a few
 * long ones (fewer checkpoints, 16 bytes each).
 */
export const CHECKPOINT_EVERY = [16, 64] as const;
