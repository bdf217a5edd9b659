import type { MetricDefinition } from "../signals/metric-definitions.js";
import { type LabelMatcher, labelSetKey, matchesLabels, pickLabels } from "./label-matcher.js";
import { CHECKPOINT_EVERY, type HistogramGroup, type Series } from "./series.js";
import type { SharedBounds } from "./shared-bounds.js";
import { SlotLog } from "./slot-log.js";
import type { WindowTier } from "./window-tier.js";

/**
 * A histogram statistic asked over windows longer than the fine tier (an alert rule's p95 over
 * an hour, a latency SLO's burn rate over days): its coarse slots are kept per group of the
 * query (its matcher and `by`), summed over the series of the group, instead of per series.
 * Bucket counts are integers, so the sums are the same whichever order they are added in.
 */
export interface TrackedHistogram {
  readonly metric: MetricDefinition;
  readonly matcher: LabelMatcher | undefined;
  readonly by: readonly string[] | undefined;
  /** By `by` labels and bounds, in the order their first series was created. */
  readonly groups: Map<string, HistogramGroup>;
}

/** The key of the tracked aggregate of `metric` for `matcher` and `by`. */
export function trackedHistogramKey(
  metric: MetricDefinition,
  matcher: LabelMatcher | undefined,
  by: readonly string[] | undefined,
): string {
  return `${metric.name}\u0002${matcherKey(matcher)}\u0002${(by ?? []).join("\u0000")}`;
}

/** A tracked aggregate of `metric` for `matcher` and `by` (copies of both), no group yet. */
export function createTrackedHistogram(
  metric: MetricDefinition,
  matcher: LabelMatcher | undefined,
  by: readonly string[] | undefined,
): TrackedHistogram {
  return {
    metric,
    matcher: matcher === undefined ? undefined : copyMatcher(matcher),
    by: by === undefined ? undefined : [...by],
    groups: new Map(),
  };
}

/**
 * Joins every matching series to its group of a new `tracked` aggregate and sums into the
 * groups' coarse slots the history the fine tier still holds. True when there was some.
 */
export function backfillTrackedHistogram(
  tracked: TrackedHistogram,
  seriesList: Iterable<Series>,
  fine: WindowTier,
  coarse: WindowTier,
  bounds: SharedBounds,
): boolean {
  const backfill = new Map<HistogramGroup, Map<number, Float64Array>>();
  for (const series of seriesList) {
    const group = joinGroup(tracked, series, bounds);
    if (group === undefined) continue;
    // History the fine tier still holds, summed into the coarse slots it falls in.
    let target = backfill.get(group);
    if (target === undefined) {
      target = new Map();
      backfill.set(group, target);
    }
    const slots = target;
    const lowest = coarse.current - coarse.slots + 1;
    series.logs[0]!.forEach(fine.current - fine.slots + 1, fine.current, (epoch, values) => {
      const coarseEpoch = Math.min(coarse.current, Math.floor((epoch * fine.intervalMs) / coarse.intervalMs));
      if (coarseEpoch < lowest) return;
      let sums = slots.get(coarseEpoch);
      if (sums === undefined) {
        sums = new Float64Array(values.length);
        slots.set(coarseEpoch, sums);
      }
      for (let b = 0; b < values.length; b++) sums[b] = sums[b]! + values[b]!;
    });
  }
  let lost = false;
  for (const [group, slots] of backfill) {
    for (const epoch of [...slots.keys()].sort((a, b) => a - b)) group.log.add(epoch, slots.get(epoch)!);
    lost ||= slots.size > 0;
  }
  return lost;
}

/** Adds `series` to its group of `tracked` when it matches (the group made if new). */
export function joinGroup(
  tracked: TrackedHistogram,
  series: Series,
  bounds: SharedBounds,
): HistogramGroup | undefined {
  if (series.metric !== tracked.metric) return undefined;
  if (!matchesLabels(series.labels, tracked.matcher, tracked.metric.labels)) return undefined;
  const labels = pickLabels(series.labels, tracked.by);
  const key = `${labelSetKey(labels)}|${bounds.keyOf(series.bounds)}`;
  let group = tracked.groups.get(key);
  if (group === undefined) {
    group = {
      labels,
      bounds: series.bounds,
      log: new SlotLog("histogram", series.width, CHECKPOINT_EVERY[1]),
    };
    tracked.groups.set(key, group);
  }
  series.groups.push(group);
  return group;
}

/** A stable key for a matcher: names sorted, values as given. */
function matcherKey(matcher: LabelMatcher | undefined): string {
  if (matcher === undefined) return "";
  return Object.keys(matcher)
    .sort()
    .map((name) => {
      const wanted = matcher[name];
      return `${name}\u0000${typeof wanted === "string" ? wanted : (wanted ?? []).join("\u0001")}`;
    })
    .join("\u0003");
}

function copyMatcher(matcher: LabelMatcher): LabelMatcher {
  const copy: Record<string, string | readonly string[]> = {};
  for (const name in matcher) {
    const wanted = matcher[name]!;
    copy[name] = typeof wanted === "string" ? wanted : [...wanted];
  }
  return copy;
}
