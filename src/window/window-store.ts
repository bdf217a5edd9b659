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
 * Layout of one series' ring, per slot (a slot = one interval of one tier):
 *
 * - counter: `[delta]`
 * - histogram with n bounds: `[count, sum, bucket_0 .. bucket_n]` (n + 3 numbers; bucket_n is
 *   the overflow bucket above the last bound)
 * - gauge: `[last, max]`, `NaN` when no sample fell in the slot
 *
 * Example, counter, 3 slots of 10 s, ingests at t = 10, 20, 30 s of cumulative 5, 7, 7:
 * slots hold deltas `[5, 2, 0]`; the 30 s window sums to 7, a rate of 7 / 30 s.
 */
interface Series {
  readonly metric: MetricDefinition;
  readonly labels: LabelSet;
  readonly width: number;
  /** Histogram bounds (empty for counters and gauges). */
  readonly bounds: readonly number[];
  /** Last cumulative values seen (counter: `[value]`, histogram: `[count, sum, buckets...]`). */
  readonly previous: Float64Array;
  seen: boolean;
  /** Epoch milliseconds of the ingest that first saw the series: it has no value before. */
  readonly firstSeenMs: number;
  /** One ring per tier, `slots * width` numbers each. */
  readonly rings: Float64Array[];
}

interface Tier {
  readonly intervalMs: number;
  readonly slots: number;
  /** Interval number (`floor(t / intervalMs)`) each slot currently holds, -1 when none. */
  readonly epochs: Float64Array;
  /** Latest interval number written. */
  current: number;
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
 * A ring of per-interval deltas over collected cumulative snapshots: the short-term memory that
 * alert rules and the live page query (request rate, error ratio, latency quantiles, traffic
 * rates, saturation last/max over a window, per label set or aggregated over a matcher).
 *
 * Each `ingest()` diffs the snapshot against the previous one per series and adds the delta to
 * the slot of the current interval (a counter that went down was reset: its new value is the
 * delta, as in PromQL). A series first seen contributes its whole value: it started after the
 * previous ingest, so attach the store when the collector starts.
 *
 * Memory is fixed per series, whatever the traffic: `slots * width * 8` bytes per ring, with
 * `slots = ceil(retentionMs / intervalMs)` and `width` 1 for a counter, 2 for a gauge, bounds + 3
 * for a histogram. With the collector's rings (2 s slots over 15 min = 450 slots, plus 5 min slots
 * over 3 days = 864 slots): a counter series costs 10.5 KB, a saturation gauge 21 KB, a latency
 * histogram (14 bounds, 17 numbers per slot) 179 KB. A query of any window reads one ring and
 * allocates nothing per slot. Series are capped by `maxSeries`.
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
  private readonly clock: () => number;
  private readonly diag: DiagLogger;
  private readonly maxSeries: number;
  private warnedFull = false;
  private firstIngest: number | undefined;
  /** Time of the ingest in progress, stamped on the series it creates. */
  private ingestMs = 0;

  constructor(options: WindowStoreOptions) {
    const tierOptions = [options, ...(options.coarse ? [options.coarse] : [])];
    this.tiers = tierOptions.map(({ intervalMs, retentionMs }) => {
      if (!(intervalMs > 0) || !(retentionMs >= intervalMs)) {
        throw new RangeError(
          `WindowStore: need intervalMs > 0 and retentionMs >= intervalMs (got ${intervalMs}, ${retentionMs})`,
        );
      }
      const slots = Math.ceil(retentionMs / intervalMs);
      return { intervalMs, slots, epochs: new Float64Array(slots).fill(-1), current: -1 };
    });
    this.clock = options.clock ?? Date.now;
    this.diag = options.diag ?? createTelemetryLogger();
    this.maxSeries = options.maxSeries ?? 10_000;
  }

  /** Number of series held (each costs the fixed ring memory described above). */
  get seriesCount(): number {
    return this.series.size;
  }

  /** Longest window a query can answer, in milliseconds. */
  get maxWindowMs(): number {
    const last = this.tiers[this.tiers.length - 1]!;
    return last.slots * last.intervalMs;
  }

  /** Length of one slot of the finest ring, in milliseconds: the step of chart series. */
  get intervalMs(): number {
    return this.tiers[0]!.intervalMs;
  }

  /** How far back the finest ring reaches, in milliseconds (charts at full resolution). */
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
   * Adds a cumulative snapshot taken at `nowMs`: the change of every golden-signal series since
   * the previous ingest goes into the current interval's slot. Other metrics are ignored.
   */
  ingest(snapshot: ResourceMetrics, nowMs: number = this.clock()): void {
    this.firstIngest ??= nowMs;
    this.ingestMs = nowMs;
    for (const tier of this.tiers) this.advance(tier, nowMs);
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
    const tier = this.tierFor(query.windowMs);
    const slots = this.slotsOf(tier, query);
    const groups = new Map<string, WindowValue>();
    for (const series of this.series.values()) {
      if (series.metric !== SATURATION_METRIC) continue;
      if (!matchesLabels(series.labels, query.matcher, SATURATION_METRIC.labels)) continue;
      const ring = series.rings[this.tiers.indexOf(tier)]!;
      let value = Number.NaN;
      // `slots` runs oldest to newest: `last` keeps the newest sample, `max` the highest.
      for (const slot of slots) {
        const sample = ring[slot * 2 + (statistic === "last" ? 0 : 1)]!;
        if (Number.isNaN(sample)) continue;
        value = statistic === "last" || Number.isNaN(value) ? sample : Math.max(value, sample);
      }
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
    const tier = this.tierFor(query.windowMs);
    const tierIndex = this.tiers.indexOf(tier);
    const slots = this.slotsOf(tier, query);
    const groups = new Map<string, WindowValue>();
    const end = this.windowEndEpoch(tier, query);
    for (const series of this.series.values()) {
      if (series.metric !== metric || !matchesLabels(series.labels, query.matcher, metric.labels)) continue;
      // A series born after the window has no value there (not a zero): charts show a gap.
      if (Math.floor(series.firstSeenMs / tier.intervalMs) > end) continue;
      const ring = series.rings[tierIndex]!;
      let sum = 0;
      for (const slot of slots) sum += ring[slot]!;
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
    const tier = this.tierFor(query.windowMs);
    const tierIndex = this.tiers.indexOf(tier);
    const slots = this.slotsOf(tier, query);
    const groups = new Map<string, { labels: LabelSet; bounds: readonly number[]; counts: Float64Array }>();
    for (const series of this.series.values()) {
      if (series.metric !== metric) continue;
      if (!matchesLabels(series.labels, query.matcher, metric.labels)) continue;
      const labels = pickLabels(series.labels, query.by);
      const key = `${labelSetKey(labels)}|${series.bounds.join(",")}`;
      let group = groups.get(key);
      if (group === undefined) {
        group = { labels, bounds: series.bounds, counts: new Float64Array(series.bounds.length + 1) };
        groups.set(key, group);
      }
      const ring = series.rings[tierIndex]!;
      for (const slot of slots) {
        const base = slot * series.width + 2;
        for (let b = 0; b < group.counts.length; b++) group.counts[b]! += ring[base + b]!;
      }
    }
    const out: WindowValue[] = [];
    for (const group of groups.values()) {
      const value = statistic(group.bounds, group.counts);
      if (value !== undefined) out.push({ labels: group.labels, value });
    }
    return out;
  }

  /** The finest tier whose retention covers `windowMs` (the coarsest one when none does). */
  private tierFor(windowMs: number): Tier {
    for (const tier of this.tiers) if (tier.slots * tier.intervalMs >= windowMs) return tier;
    return this.tiers[this.tiers.length - 1]!;
  }

  /** Interval number of the newest interval of the window that ends at `nowMs`. */
  private windowEndEpoch(tier: Tier, query: WindowQuery): number {
    return Math.floor((query.nowMs ?? this.clock()) / tier.intervalMs);
  }

  /** Slot indexes, oldest first, of the intervals inside the window that ends at `nowMs`. */
  private slotsOf(tier: Tier, query: WindowQuery): number[] {
    const end = Math.floor((query.nowMs ?? this.clock()) / tier.intervalMs);
    const count = Math.min(tier.slots, Math.max(1, Math.ceil(query.windowMs / tier.intervalMs)));
    const slots: number[] = [];
    for (let epoch = end - count + 1; epoch <= end; epoch++) {
      const slot = ((epoch % tier.slots) + tier.slots) % tier.slots;
      if (tier.epochs[slot] === epoch) slots.push(slot);
    }
    return slots;
  }

  /** Moves a tier to the interval of `nowMs`, clearing the slots it reuses. */
  private advance(tier: Tier, nowMs: number): void {
    const epoch = Math.floor(nowMs / tier.intervalMs);
    // A clock that went back keeps writing into the latest interval instead of rewriting history.
    if (epoch <= tier.current) return;
    const first = Math.max(tier.current + 1, epoch - tier.slots + 1);
    const tierIndex = this.tiers.indexOf(tier);
    for (let e = first; e <= epoch; e++) {
      const slot = e % tier.slots;
      tier.epochs[slot] = e;
      for (const series of this.series.values()) clearSlot(series, series.rings[tierIndex]!, slot);
    }
    tier.current = epoch;
  }

  private ingestMetric(metric: MetricData): void {
    const name = metric.descriptor.name;
    if (name === GEN_AI_TOKEN_USAGE.name && metric.dataPointType === DataPointType.HISTOGRAM) {
      // Only the sum matters (tokens per model): kept as a counter, one number per slot.
      for (const point of metric.dataPoints) {
        const series = this.seriesFor(GEN_AI_TOKEN_USAGE, point.attributes, []);
        if (series === undefined) continue;
        const sum = point.value.sum ?? 0;
        this.addDelta(series, [sum], sum < (series.previous[0] ?? 0));
      }
      return;
    }
    const histogram = HISTOGRAM_METRICS.find((definition) => definition.name === name);
    if (histogram !== undefined && metric.dataPointType === DataPointType.HISTOGRAM) {
      for (const point of metric.dataPoints) {
        const { boundaries, counts } = point.value.buckets;
        const series = this.seriesFor(histogram, point.attributes, boundaries);
        if (series === undefined) continue;
        const cumulative = [point.value.count, point.value.sum ?? 0, ...counts];
        this.addDelta(series, cumulative, point.value.count < (series.previous[0] ?? 0));
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
      if (series === undefined) continue;
      this.addDelta(series, [point.value], point.value < (series.previous[0] ?? 0));
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
    // New series, or a histogram whose bounds changed (its old slots cannot be added up): start over.
    const width = HISTOGRAM_METRICS.includes(metric)
      ? bounds.length + 3
      : metric === SATURATION_METRIC
        ? 2
        : 1;
    const series: Series = {
      metric,
      labels,
      width,
      firstSeenMs: existing?.firstSeenMs ?? this.ingestMs,
      bounds: [...bounds],
      previous: new Float64Array(metric === SATURATION_METRIC ? 0 : width),
      seen: false,
      rings: this.tiers.map((tier) => {
        const ring = new Float64Array(tier.slots * width);
        if (metric === SATURATION_METRIC) ring.fill(Number.NaN);
        return ring;
      }),
    };
    this.series.set(key, series);
    return series;
  }

  private addDelta(series: Series, cumulative: readonly number[], reset: boolean): void {
    for (let t = 0; t < this.tiers.length; t++) {
      const tier = this.tiers[t]!;
      const ring = series.rings[t]!;
      const base = (tier.current % tier.slots) * series.width;
      for (let i = 0; i < series.width; i++) {
        const now = cumulative[i] ?? 0;
        const delta = reset || !series.seen ? now : now - series.previous[i]!;
        ring[base + i]! += delta;
      }
    }
    for (let i = 0; i < series.width; i++) series.previous[i] = cumulative[i] ?? 0;
    series.seen = true;
  }

  private addSample(series: Series, value: number): void {
    if (!Number.isFinite(value)) return;
    for (let t = 0; t < this.tiers.length; t++) {
      const tier = this.tiers[t]!;
      const ring = series.rings[t]!;
      const base = (tier.current % tier.slots) * 2;
      ring[base] = value;
      const max = ring[base + 1]!;
      ring[base + 1] = Number.isNaN(max) ? value : Math.max(max, value);
    }
    series.seen = true;
  }
}

function clearSlot(series: Series, ring: Float64Array, slot: number): void {
  const start = slot * series.width;
  ring.fill(series.metric === SATURATION_METRIC ? Number.NaN : 0, start, start + series.width);
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
