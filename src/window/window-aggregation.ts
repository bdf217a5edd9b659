import { LATENCY_METRIC, type MetricDefinition, SATURATION_METRIC } from "../signals/metric-definitions.js";
import type { LabelSet } from "./label-matcher.js";
import { labelSetKey, matchesLabels, pickLabels } from "./label-matcher.js";
import type { SeriesTable } from "./series-table.js";
import type { WindowQuery, WindowValue } from "./window-query.js";
import { rangeOf, tierIndexFor, windowEndEpoch } from "./window-tier.js";

// The sums over the series of a window query's groups (matcher, `by`), on the tier that covers
// its window: what the WindowStore's rates, ratios, quantiles and gauge statistics are made of.

/** Sum of the counter deltas of `metric` over the window, per group of the query (by label-set key). */
export function sumCounter(
  table: SeriesTable,
  clock: () => number,
  metric: MetricDefinition,
  query: WindowQuery,
): Map<string, WindowValue> {
  const tierIndex = tierIndexFor(table.tiers, query.windowMs);
  const tier = table.tiers[tierIndex]!;
  const [from, to] = rangeOf(tier, query, clock);
  const groups = new Map<string, WindowValue>();
  const end = windowEndEpoch(tier, query, clock);
  for (const series of table.series.values()) {
    if (series.metric !== metric || !matchesLabels(series.labels, query.matcher, metric.labels)) continue;
    // A series born after the window has no value there (not a zero): charts show a gap.
    if (Math.floor(series.firstSeenMs / tier.intervalMs) > end) continue;
    const sum = series.logs[tierIndex]!.sum(from, to);
    const labels = pickLabels(series.labels, query.by);
    const key = labelSetKey(labels);
    const group = groups.get(key);
    groups.set(key, { labels, value: (group?.value ?? 0) + sum });
  }
  return groups;
}

/**
 * `statistic` of the bucket counts of `metric` summed over the window, per group of the query
 * (and bounds); groups it gives no value for are left out.
 */
export function histogramStatistic(
  table: SeriesTable,
  clock: () => number,
  query: WindowQuery,
  statistic: (bounds: readonly number[], counts: Float64Array) => number | undefined,
  metric: MetricDefinition = LATENCY_METRIC,
): WindowValue[] {
  const tierIndex = tierIndexFor(table.tiers, query.windowMs);
  const tier = table.tiers[tierIndex]!;
  const [from, to] = rangeOf(tier, query, clock);
  const out: WindowValue[] = [];
  if (tierIndex > 0) {
    // Long windows: the coarse slots of the query's groups (declared, or tracked from now on).
    for (const group of table.trackedHistogram(metric, query.matcher, query.by).groups.values()) {
      const counts = new Float64Array(group.bounds.length + 1);
      group.log.addTo(from, to, counts);
      const value = statistic(group.bounds, counts);
      if (value !== undefined) out.push({ labels: group.labels, value });
    }
    return out;
  }
  const groups = new Map<string, { labels: LabelSet; bounds: readonly number[]; counts: Float64Array }>();
  for (const series of table.series.values()) {
    if (series.metric !== metric) continue;
    if (!matchesLabels(series.labels, query.matcher, metric.labels)) continue;
    const labels = pickLabels(series.labels, query.by);
    const key = `${labelSetKey(labels)}|${table.bounds.keyOf(series.bounds)}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { labels, bounds: series.bounds, counts: new Float64Array(series.bounds.length + 1) };
      groups.set(key, group);
    }
    series.logs[0]!.addTo(from, to, group.counts);
  }
  for (const group of groups.values()) {
    const value = statistic(group.bounds, group.counts);
    if (value !== undefined) out.push({ labels: group.labels, value });
  }
  return out;
}

/** The saturation gauge's `last` or `max` over the window, the highest of each group's series. */
export function saturationStatistic(
  table: SeriesTable,
  clock: () => number,
  statistic: "last" | "max",
  query: WindowQuery,
): WindowValue[] {
  const tierIndex = tierIndexFor(table.tiers, query.windowMs);
  const [from, to] = rangeOf(table.tiers[tierIndex]!, query, clock);
  const groups = new Map<string, WindowValue>();
  for (const series of table.series.values()) {
    if (series.metric !== SATURATION_METRIC) continue;
    if (!matchesLabels(series.labels, query.matcher, SATURATION_METRIC.labels)) continue;
    // Oldest to newest: `last` keeps the newest sample, `max` the highest.
    const value = series.logs[tierIndex]!.gauge(statistic, from, to);
    if (Number.isNaN(value)) continue;
    const labels = pickLabels(series.labels, query.by);
    const key = labelSetKey(labels);
    const group = groups.get(key);
    if (group === undefined || value > group.value) groups.set(key, { labels, value });
  }
  return [...groups.values()];
}
