import type { DiagLogger } from "@opentelemetry/api";
import { DataPointType, type MetricData, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import { GEN_AI_METRIC_NAMES } from "../signals/gen-ai-metric-definitions.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  type MetricDefinition,
  REFUSALS_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
  TOKENS_METRIC,
} from "../signals/metric-definitions.js";
import { TRAFFIC_KIND_METRICS } from "../signals/signal-vocabulary.js";
import { histogramQuantile, histogramShareAbove } from "../snapshot/histogram-quantile.js";
import { type LabelMatcher, type LabelSet, labelSetKey, matchesLabels, pickLabels } from "./label-matcher.js";
import { type SlotLayout, SlotLog } from "./slot-log.js";
import {
  type SignalSelector,
  STATISTIC_QUANTILES,
  type TrafficKind,
  type WindowQuery,
  type WindowValue,
} from "./window-query.js";

/** One resolution of the ring: how long a slot lasts and how far back slots are kept. */
export interface WindowTierOptions {
  /** Length of one slot, in milliseconds. */
  readonly intervalMs: number;
  /** How far back slots are kept, in milliseconds (rounded up to whole slots). */
  readonly retentionMs: number;
}

/** Options of {@link WindowStore}. */
export interface WindowStoreOptions extends WindowTierOptions {
  /**
   * A second, coarser ring for long windows (hours to days, as SLO burn rates need), so that
   * they do not cost one fine slot per interval. A query uses the finest ring whose retention
   * covers its window.
   * @default undefined (one ring)
   */
  readonly coarse?: WindowTierOptions;
  /** Clock in epoch milliseconds; inject a manual one in tests. @default Date.now */
  readonly clock?: () => number;
  /** Series kept at most; series beyond are ignored and reported once through `diag`. @default 10000 */
  readonly maxSeries?: number;
  /** Where problems are reported. @default the loud default logger (see `createTelemetryLogger`) */
  readonly diag?: DiagLogger;
}

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
interface Series {
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

interface Tier {
  readonly intervalMs: number;
  readonly slots: number;
  /** Latest interval number (`floor(t / intervalMs)`) written; the tier holds `current - slots + 1 .. current`. */
  current: number;
}

/**
 * A histogram statistic asked over windows longer than the fine tier (an alert rule's p95 over
 * an hour, a latency SLO's burn rate over days): its coarse slots are kept per group of the
 * query (its matcher and `by`), summed over the series of the group, instead of per series.
 * Bucket counts are integers, so the sums are the same whichever order they are added in.
 */
interface TrackedHistogram {
  readonly metric: MetricDefinition;
  readonly matcher: LabelMatcher | undefined;
  readonly by: readonly string[] | undefined;
  /** By `by` labels and bounds, in the order their first series was created. */
  readonly groups: Map<string, HistogramGroup>;
}

interface HistogramGroup {
  readonly labels: Record<string, string>;
  readonly bounds: readonly number[];
  readonly log: SlotLog;
}

/**
 * The GenAI semantic-convention token histogram that `exchange()` emits, kept as a counter of
 * its `sum` (tokens) per model: the live page's "tokens by model". Its labels are the
 * semantic-convention attributes; it carries no `operation`.
 */
export const GEN_AI_TOKEN_USAGE: MetricDefinition = Object.freeze({
  name: GEN_AI_METRIC_NAMES.tokenUsage,
  promName: "gen_ai_client_token_usage",
  kind: "histogram",
  unit: "{token}",
  description: "Tokens used per GenAI client call (semantic conventions), summed per model.",
  labels: Object.freeze([
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.token.type",
    "gen_ai.operation.name",
    "gen_ai.system",
    "gen_ai.provider.name",
  ]),
});

const COUNTER_METRICS: readonly MetricDefinition[] = [
  REQUESTS_METRIC,
  ERRORS_METRIC,
  TOKENS_METRIC,
  EXCHANGE_SIZE_METRIC,
  // Kept for the live page's GenAI panels (queried there; issue 16).
  REFUSALS_METRIC,
];

/** Histograms kept bucket by bucket (quantiles over windows). */
const HISTOGRAM_METRICS: readonly MetricDefinition[] = [LATENCY_METRIC, TIME_TO_FIRST_TOKEN_METRIC];

/**
 * Records between checkpoints of the fine and the coarse logs: the live page asks the fine tier
 * for many short windows (a short scan to each start), alert rules ask the coarse one for a few
 * long ones (fewer checkpoints, 16 bytes each).
 */
const CHECKPOINT_EVERY = [16, 64] as const;

/**
 * Per-interval deltas over collected cumulative snapshots: the short-term memory that alert
 * rules and the live page query (request rate, error ratio, latency quantiles, traffic rates,
 * saturation last/max over a window, per label set or aggregated over a matcher).
 *
 * Each `ingest()` diffs the snapshot against the previous one per series and adds the delta to
 * the slot of the current interval (a counter that went down was reset: its new value is the
 * delta, as in PromQL). A series first seen contributes its whole value: it started after the
 * previous ingest, so attach the store when the collector starts.
 *
 * Memory follows what is recorded, not retention x buckets: a series keeps only the slots that
 * received something, a few bytes each ({@link SlotLog}). In the coarse tier, counters and gauges
 * keep their slots per series; histograms only per group of the long-window queries asked of
 * them (see {@link track}): a latency series with alerting on costs no coarse slot of its own.
 * With the collector's tiers (2 s slots over 15 min, 5 min slots over 3 days), a latency series
 * busy in every interval holds about 3-9 KB; an idle one a few hundred bytes (its labels and its
 * last cumulative values). Bounds and figures: docs/alerting.md, "The window store". Series are
 * capped by `maxSeries`.
 *
 * Every query answers exactly what a dense ring of every slot would (the sums are made in the
 * same order; test/window/window-store-reference.test.ts compares with that implementation).
 *
 * Pure: no timers, no I/O; time comes from the arguments or the injected clock.
 *
 * @example
 * const store = new WindowStore({ intervalMs: 10_000, retentionMs: 3_600_000 });
 * store.ingest(await collector.collect());
 * const [all] = store.errorRatio({ windowMs: 300_000 });
 */
export class WindowStore {
  private readonly tiers: Tier[];
  private readonly series = new Map<string, Series>();
  private readonly tracked = new Map<string, TrackedHistogram>();
  private readonly clock: () => number;
  private readonly diag: DiagLogger;
  private readonly maxSeries: number;
  private warnedFull = false;
  private firstIngest: number | undefined;
  /** Time of the ingest in progress, stamped on the series it creates. */
  private ingestMs = 0;
  private readonly boundsByKey = new Map<string, readonly number[]>();
  /** The key of each shared bounds array (`join(",")`, as the groups of a query name them). */
  private readonly boundsKeys = new Map<readonly number[], string>([[NO_BOUNDS, ""]]);
  /** The deltas of one series being ingested (reused). */
  private deltas = new Float64Array(32);

  constructor(options: WindowStoreOptions) {
    const tierOptions = [options, ...(options.coarse ? [options.coarse] : [])];
    this.tiers = tierOptions.map(({ intervalMs, retentionMs }) => {
      if (!(intervalMs > 0) || !(retentionMs >= intervalMs)) {
        throw new RangeError(
          `WindowStore: need intervalMs > 0 and retentionMs >= intervalMs (got ${intervalMs}, ${retentionMs})`,
        );
      }
      return { intervalMs, slots: Math.ceil(retentionMs / intervalMs), current: -1 };
    });
    this.clock = options.clock ?? Date.now;
    this.diag = options.diag ?? createTelemetryLogger();
    this.maxSeries = options.maxSeries ?? 10_000;
  }

  /** Number of series held. */
  get seriesCount(): number {
    return this.series.size;
  }

  /** Bytes of slot data held (the logs' buffers), for the memory figures; objects and labels not counted. */
  get slotBytes(): number {
    let bytes = 0;
    for (const series of this.series.values()) {
      for (const log of series.logs) bytes += log?.retainedBytes ?? 0;
    }
    for (const tracked of this.tracked.values()) {
      for (const group of tracked.groups.values()) bytes += group.log.retainedBytes;
    }
    return bytes;
  }

  /** Longest window a query can answer, in milliseconds. */
  get maxWindowMs(): number {
    const last = this.tiers[this.tiers.length - 1]!;
    return last.slots * last.intervalMs;
  }

  /** Length of one slot of the finest tier, in milliseconds: the step of chart series. */
  get intervalMs(): number {
    return this.tiers[0]!.intervalMs;
  }

  /** How far back the finest tier reaches, in milliseconds (charts at full resolution). */
  get retentionMs(): number {
    const fine = this.tiers[0]!;
    return fine.slots * fine.intervalMs;
  }

  /** Epoch milliseconds of the first `ingest()`, when the store's history begins; undefined before. */
  get firstIngestMs(): number | undefined {
    return this.firstIngest;
  }

  /** True when some series of `metric` has been seen (e.g. to show a panel only once it has data). */
  hasSeries(metric: MetricDefinition): boolean {
    for (const series of this.series.values()) if (series.metric === metric) return true;
    return false;
  }

  /**
   * Declares a query that will be asked over a window longer than the fine tier, so that what
   * it needs is kept from now on. Only latency statistics need it (their coarse slots are kept
   * per group of the query, not per series; counters and gauges keep theirs per series anyway);
   * other queries, and windows the fine tier covers, need nothing. The alerting engine declares
   * its rules when it is built. A long-window latency query not declared is tracked when first
   * asked, from the fine tier's history: exact from then on, but blind to what the fine tier
   * had already forgotten.
   */
  track(selector: SignalSelector, query: Pick<WindowQuery, "windowMs" | "matcher" | "by">): void {
    if (selector.signal !== "latency" || this.tierFor(query.windowMs) === this.tiers[0]) return;
    const quantile = STATISTIC_QUANTILES[selector.statistic as keyof typeof STATISTIC_QUANTILES];
    const shareAbove = selector.statistic === "ratio" && selector.latencyThresholdSeconds !== undefined;
    if (quantile === undefined && !shareAbove) return;
    this.trackedHistogram(LATENCY_METRIC, query.matcher, query.by);
  }

  /**
   * Adds a cumulative snapshot taken at `nowMs`: the change of every golden-signal series since
   * the previous ingest goes into the current interval's slot. Other metrics are ignored.
   */
  ingest(snapshot: ResourceMetrics, nowMs: number = this.clock()): void {
    this.firstIngest ??= nowMs;
    this.ingestMs = nowMs;
    for (let t = 0; t < this.tiers.length; t++) this.advance(t, nowMs);
    for (const scope of snapshot.scopeMetrics) {
      for (const metric of scope.metrics) this.ingestMetric(metric);
    }
  }

  /** Requests completed per second over the window (`zoran.requests`). */
  requestRate(query: WindowQuery): WindowValue[] {
    return this.counterRate(REQUESTS_METRIC, query);
  }

  /** Errors per second over the window (`zoran.errors`, error shares summed). */
  errorRate(query: WindowQuery): WindowValue[] {
    return this.counterRate(ERRORS_METRIC, query);
  }

  /**
   * Errors per request over the window (0..1): `increase(errors) / increase(requests)`.
   * Groups without requests in the window have no value and are left out.
   */
  errorRatio(query: WindowQuery): WindowValue[] {
    const errors = this.sumCounter(ERRORS_METRIC, query);
    const requests = this.sumCounter(REQUESTS_METRIC, query);
    const out: WindowValue[] = [];
    for (const [key, req] of requests) {
      if (!(req.value > 0)) continue;
      out.push({ labels: req.labels, value: (errors.get(key)?.value ?? 0) / req.value });
    }
    return out;
  }

  /** Traffic per second over the window: requests, tokens or bytes (all directions unless matched). */
  trafficRate(kind: TrafficKind, query: WindowQuery): WindowValue[] {
    return this.counterRate(TRAFFIC_KIND_METRICS[kind], query);
  }

  /**
   * Latency quantile (0..1) in seconds over the window, estimated from the buckets like PromQL
   * `histogram_quantile`. Groups without observations are left out.
   */
  latencyQuantile(quantile: number, query: WindowQuery): WindowValue[] {
    return this.histogramStatistic(query, (bounds, counts) => histogramQuantile(quantile, bounds, counts));
  }

  /** Share (0..1) of latency observations above `thresholdSeconds` over the window (latency SLOs). */
  latencyShareAbove(thresholdSeconds: number, query: WindowQuery): WindowValue[] {
    return this.histogramStatistic(query, (bounds, counts) =>
      histogramShareAbove(thresholdSeconds, bounds, counts),
    );
  }

  /** Model refusals per second over the window (`zoran.refusals`). */
  refusalRate(query: WindowQuery): WindowValue[] {
    return this.counterRate(REFUSALS_METRIC, query);
  }

  /**
   * Time to first token quantile (0..1) in seconds over the window
   * (`zoran.time_to_first_token`, streamed calls only). Groups without observations are left out.
   */
  timeToFirstTokenQuantile(quantile: number, query: WindowQuery): WindowValue[] {
    return this.histogramStatistic(
      query,
      (bounds, counts) => histogramQuantile(quantile, bounds, counts),
      TIME_TO_FIRST_TOKEN_METRIC,
    );
  }

  /**
   * Tokens per second of the GenAI client metric `gen_ai.client.token.usage` over the window,
   * e.g. `by: ["gen_ai.response.model", "gen_ai.token.type"]`.
   */
  genAiTokenRate(query: WindowQuery): WindowValue[] {
    return this.counterRate(GEN_AI_TOKEN_USAGE, query);
  }

  /**
   * Saturation ratio (0..1) over the window: `last` is the latest sample, `max` the highest; a
   * group of several series (e.g. all resources) takes the highest of them.
   */
  saturation(statistic: "last" | "max", query: WindowQuery): WindowValue[] {
    const tierIndex = this.tierIndexFor(query.windowMs);
    const [from, to] = this.rangeOf(this.tiers[tierIndex]!, query);
    const groups = new Map<string, WindowValue>();
    for (const series of this.series.values()) {
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

  /**
   * The value of one signal statistic (what a rule names) over the window. `p50`/`p95`/`p99`
   * apply to latency, `ratio`/`rate` to errors, `rate` to traffic, `last`/`max` to saturation;
   * other pairs give no value.
   */
  measure(selector: SignalSelector, query: WindowQuery): WindowValue[] {
    const { signal, statistic } = selector;
    if (signal === "latency") {
      if (selector.latencyThresholdSeconds !== undefined && statistic === "ratio") {
        return this.latencyShareAbove(selector.latencyThresholdSeconds, query);
      }
      const quantile = STATISTIC_QUANTILES[statistic as keyof typeof STATISTIC_QUANTILES];
      return quantile === undefined ? [] : this.latencyQuantile(quantile, query);
    }
    if (signal === "errors") {
      if (statistic === "ratio") return this.errorRatio(query);
      return statistic === "rate" ? this.errorRate(query) : [];
    }
    if (signal === "traffic") {
      return statistic === "rate" ? this.trafficRate(selector.kind ?? "requests", query) : [];
    }
    return statistic === "last" || statistic === "max" ? this.saturation(statistic, query) : [];
  }

  /**
   * A chart series of the last `durationMs` for one statistic, one point per `stepMs` (each point
   * is the statistic over the step that ends there), aggregated over `matcher`. Points without
   * data are `null`, which uPlot draws as gaps.
   *
   * @returns timestamps in epoch seconds (uPlot's x axis) and values
   */
  timeSeries(
    selector: SignalSelector,
    options: { durationMs: number; stepMs?: number; matcher?: LabelMatcher; nowMs?: number },
  ): { timestamps: number[]; values: (number | null)[] } {
    const stepMs = options.stepMs ?? this.tiers[0]!.intervalMs;
    const nowMs = options.nowMs ?? this.clock();
    const points = Math.min(10_000, Math.max(1, Math.floor(options.durationMs / stepMs)));
    const end = Math.floor(nowMs / stepMs) * stepMs;
    const timestamps: number[] = [];
    const values: (number | null)[] = [];
    for (let i = points - 1; i >= 0; i--) {
      const at = end - i * stepMs;
      const [point] = this.measure(selector, { windowMs: stepMs, matcher: options.matcher, nowMs: at });
      timestamps.push(at / 1000);
      values.push(point === undefined ? null : point.value);
    }
    return { timestamps, values };
  }

  private counterRate(metric: MetricDefinition, query: WindowQuery): WindowValue[] {
    const seconds = query.windowMs / 1000;
    return [...this.sumCounter(metric, query).values()].map(({ labels, value }) => ({
      labels,
      value: value / seconds,
    }));
  }

  private sumCounter(metric: MetricDefinition, query: WindowQuery): Map<string, WindowValue> {
    const tierIndex = this.tierIndexFor(query.windowMs);
    const tier = this.tiers[tierIndex]!;
    const [from, to] = this.rangeOf(tier, query);
    const groups = new Map<string, WindowValue>();
    const end = this.windowEndEpoch(tier, query);
    for (const series of this.series.values()) {
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

  private histogramStatistic(
    query: WindowQuery,
    statistic: (bounds: readonly number[], counts: Float64Array) => number | undefined,
    metric: MetricDefinition = LATENCY_METRIC,
  ): WindowValue[] {
    const tierIndex = this.tierIndexFor(query.windowMs);
    const tier = this.tiers[tierIndex]!;
    const [from, to] = this.rangeOf(tier, query);
    const out: WindowValue[] = [];
    if (tierIndex > 0) {
      // Long windows: the coarse slots of the query's groups (declared, or tracked from now on).
      for (const group of this.trackedHistogram(metric, query.matcher, query.by).groups.values()) {
        const counts = new Float64Array(group.bounds.length + 1);
        group.log.addTo(from, to, counts);
        const value = statistic(group.bounds, counts);
        if (value !== undefined) out.push({ labels: group.labels, value });
      }
      return out;
    }
    const groups = new Map<string, { labels: LabelSet; bounds: readonly number[]; counts: Float64Array }>();
    for (const series of this.series.values()) {
      if (series.metric !== metric) continue;
      if (!matchesLabels(series.labels, query.matcher, metric.labels)) continue;
      const labels = pickLabels(series.labels, query.by);
      const key = `${labelSetKey(labels)}|${this.boundsKeys.get(series.bounds)}`;
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

  /**
   * The tracked aggregate of `metric` for `matcher` and `by`, made on first use: its groups for
   * the series there are, and their coarse slots summed from what the fine tier still holds.
   */
  private trackedHistogram(
    metric: MetricDefinition,
    matcher: LabelMatcher | undefined,
    by: readonly string[] | undefined,
  ): TrackedHistogram {
    const key = `${metric.name}\u0002${matcherKey(matcher)}\u0002${(by ?? []).join("\u0000")}`;
    const existing = this.tracked.get(key);
    if (existing !== undefined) return existing;
    const tracked: TrackedHistogram = {
      metric,
      matcher: matcher === undefined ? undefined : copyMatcher(matcher),
      by: by === undefined ? undefined : [...by],
      groups: new Map(),
    };
    this.tracked.set(key, tracked);
    const coarse = this.tiers[1];
    if (coarse === undefined) return tracked;
    const fine = this.tiers[0]!;
    const backfill = new Map<HistogramGroup, Map<number, Float64Array>>();
    for (const series of this.series.values()) {
      const group = this.joinGroup(tracked, series);
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
        const coarseEpoch = Math.min(
          coarse.current,
          Math.floor((epoch * fine.intervalMs) / coarse.intervalMs),
        );
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
    if (lost && this.firstIngest !== undefined && this.ingestMs - this.firstIngest > this.retentionMs) {
      this.diag.debug(
        "zoran-telemetrie WindowStore: a long-window latency query was not declared with track(); it is tracked from the fine tier's history on",
      );
    }
    return tracked;
  }

  /** Adds `series` to its group of `tracked` when it matches (the group made if new). */
  private joinGroup(tracked: TrackedHistogram, series: Series): HistogramGroup | undefined {
    if (series.metric !== tracked.metric) return undefined;
    if (!matchesLabels(series.labels, tracked.matcher, tracked.metric.labels)) return undefined;
    const labels = pickLabels(series.labels, tracked.by);
    const key = `${labelSetKey(labels)}|${this.boundsKeys.get(series.bounds)}`;
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

  /** Index of the finest tier whose retention covers `windowMs` (the coarsest one when none does). */
  private tierIndexFor(windowMs: number): number {
    for (let t = 0; t < this.tiers.length; t++) {
      const tier = this.tiers[t]!;
      if (tier.slots * tier.intervalMs >= windowMs) return t;
    }
    return this.tiers.length - 1;
  }

  private tierFor(windowMs: number): Tier {
    return this.tiers[this.tierIndexFor(windowMs)]!;
  }

  /** Interval number of the newest interval of the window that ends at `nowMs`. */
  private windowEndEpoch(tier: Tier, query: WindowQuery): number {
    return Math.floor((query.nowMs ?? this.clock()) / tier.intervalMs);
  }

  /**
   * Interval numbers `[from, to]` of the window that ends at `nowMs`, within what the tier holds
   * (its last `slots` intervals up to the newest written).
   */
  private rangeOf(tier: Tier, query: WindowQuery): [number, number] {
    const end = this.windowEndEpoch(tier, query);
    const count = Math.min(tier.slots, Math.max(1, Math.ceil(query.windowMs / tier.intervalMs)));
    return [Math.max(end - count + 1, tier.current - tier.slots + 1), Math.min(end, tier.current)];
  }

  /** Moves tier `t` to the interval of `nowMs`, dropping the slots that left its retention. */
  private advance(t: number, nowMs: number): void {
    const tier = this.tiers[t]!;
    const epoch = Math.floor(nowMs / tier.intervalMs);
    // A clock that went back keeps writing into the latest interval instead of rewriting history.
    if (epoch <= tier.current) return;
    tier.current = epoch;
    const oldest = epoch - tier.slots + 1;
    for (const series of this.series.values()) series.logs[t]?.trimBefore(oldest);
    if (t > 0) {
      for (const tracked of this.tracked.values()) {
        for (const group of tracked.groups.values()) group.log.trimBefore(oldest);
      }
    }
  }

  private ingestMetric(metric: MetricData): void {
    const name = metric.descriptor.name;
    if (name === GEN_AI_TOKEN_USAGE.name && metric.dataPointType === DataPointType.HISTOGRAM) {
      // Only the sum matters (tokens per model): kept as a counter, one number per slot.
      for (const point of metric.dataPoints) {
        const series = this.seriesFor(GEN_AI_TOKEN_USAGE, point.attributes, []);
        if (series === undefined) continue;
        this.addCounter(series, point.value.sum ?? 0);
      }
      return;
    }
    const histogram = HISTOGRAM_METRICS.find((definition) => definition.name === name);
    if (histogram !== undefined && metric.dataPointType === DataPointType.HISTOGRAM) {
      for (const point of metric.dataPoints) {
        const { boundaries, counts } = point.value.buckets;
        const series = this.seriesFor(histogram, point.attributes, boundaries);
        if (series !== undefined) this.addHistogram(series, point.value.count, counts);
      }
      return;
    }
    if (name === SATURATION_METRIC.name) {
      if (metric.dataPointType !== DataPointType.GAUGE && metric.dataPointType !== DataPointType.SUM) return;
      for (const point of metric.dataPoints) {
        const series = this.seriesFor(SATURATION_METRIC, point.attributes, []);
        if (series !== undefined) this.addSample(series, point.value);
      }
      return;
    }
    const counter = COUNTER_METRICS.find((definition) => definition.name === name);
    if (counter === undefined || metric.dataPointType !== DataPointType.SUM) return;
    for (const point of metric.dataPoints) {
      const series = this.seriesFor(counter, point.attributes, []);
      if (series !== undefined) this.addCounter(series, point.value);
    }
  }

  private seriesFor(
    metric: MetricDefinition,
    attributes: Readonly<Record<string, unknown>>,
    bounds: readonly number[],
  ): Series | undefined {
    const labels: Record<string, string> = {};
    for (const key in attributes) labels[key] = String(attributes[key]);
    const key = `${metric.name}|${labelSetKey(labels)}`;
    const existing = this.series.get(key);
    if (existing !== undefined && sameBounds(existing.bounds, bounds)) return existing;
    if (existing === undefined && this.series.size >= this.maxSeries) {
      if (!this.warnedFull) {
        this.warnedFull = true;
        this.diag.warn(
          `zoran-telemetrie WindowStore: more than ${this.maxSeries} series; new series are ignored`,
        );
      }
      return undefined;
    }
    // New series, or a histogram whose bounds changed (its old slots cannot be added up): start
    // over. (The coarse groups of tracked aggregates keep the old bounds' slots as their own group.)
    const isHistogram = HISTOGRAM_METRICS.includes(metric);
    const layout: SlotLayout = isHistogram ? "histogram" : metric === SATURATION_METRIC ? "gauge" : "counter";
    const width = isHistogram ? bounds.length + 1 : layout === "gauge" ? 2 : 1;
    const series: Series = {
      metric,
      labels,
      layout,
      width,
      firstSeenMs: existing?.firstSeenMs ?? this.ingestMs,
      bounds: this.sharedBounds(bounds),
      previous: new Array<number>(isHistogram ? width + 1 : layout === "gauge" ? 0 : 1).fill(0),
      seen: false,
      logs: this.tiers.map((_, t) =>
        t > 0 && isHistogram ? undefined : new SlotLog(layout, width, CHECKPOINT_EVERY[t === 0 ? 0 : 1]),
      ),
      groups: [],
    };
    this.series.set(key, series);
    if (isHistogram) for (const tracked of this.tracked.values()) this.joinGroup(tracked, series);
    return series;
  }

  /** One frozen copy of each bounds array, shared by the series that have it (15 numbers each). */
  private sharedBounds(bounds: readonly number[]): readonly number[] {
    if (bounds.length === 0) return NO_BOUNDS;
    const key = bounds.join(",");
    let shared = this.boundsByKey.get(key);
    if (shared === undefined) {
      shared = Object.freeze([...bounds]);
      this.boundsByKey.set(key, shared);
      this.boundsKeys.set(shared, key);
    }
    return shared;
  }

  private deltasOf(width: number): Float64Array {
    if (this.deltas.length < width) this.deltas = new Float64Array(width);
    return this.deltas;
  }

  private addCounter(series: Series, value: number): void {
    const deltas = this.deltasOf(1);
    const reset = value < (series.previous[0] ?? 0);
    deltas[0] = reset || !series.seen ? value : value - series.previous[0]!;
    series.previous[0] = value;
    series.seen = true;
    this.addDeltas(series, deltas);
  }

  private addHistogram(series: Series, count: number, counts: readonly number[]): void {
    const width = series.width;
    const deltas = this.deltasOf(width);
    const previous = series.previous;
    const whole = count < previous[0]! || !series.seen;
    for (let b = 0; b < width; b++) {
      const now = counts[b] ?? 0;
      deltas[b] = whole ? now : now - previous[b + 1]!;
      previous[b + 1] = now;
    }
    previous[0] = count;
    series.seen = true;
    this.addDeltas(series, deltas);
  }

  private addDeltas(series: Series, deltas: Float64Array): void {
    for (let t = 0; t < this.tiers.length; t++) {
      const epoch = this.tiers[t]!.current;
      const log = series.logs[t];
      if (log !== undefined) log.add(epoch, deltas);
      else for (const group of series.groups) group.log.add(epoch, deltas);
    }
  }

  private addSample(series: Series, value: number): void {
    if (!Number.isFinite(value)) return;
    for (let t = 0; t < this.tiers.length; t++) series.logs[t]!.sample(this.tiers[t]!.current, value);
    series.seen = true;
  }
}

const NO_BOUNDS: readonly number[] = Object.freeze([]);

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
