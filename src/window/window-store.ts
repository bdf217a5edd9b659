import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import {
  ERRORS_METRIC,
  LATENCY_METRIC,
  type MetricDefinition,
  REFUSALS_METRIC,
  REQUESTS_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
} from "../signals/metric-definitions.js";
import { TRAFFIC_KIND_METRICS } from "../signals/signal-vocabulary.js";
import { histogramQuantile, histogramShareAbove } from "../snapshot/histogram-quantile.js";
import { GEN_AI_TOKEN_USAGE } from "./gen-ai-token-usage.js";
import type { LabelMatcher } from "./label-matcher.js";
import type { Series } from "./series.js";
import { SeriesTable } from "./series-table.js";
import type { TrackedHistogram } from "./tracked-histogram.js";
import { histogramStatistic, saturationStatistic, sumCounter } from "./window-aggregation.js";
import {
  type SignalSelector,
  STATISTIC_QUANTILES,
  type TrafficKind,
  type WindowQuery,
  type WindowValue,
} from "./window-query.js";
import type { WindowStoreOptions } from "./window-store-options.js";
import { createWindowTier, tierIndexFor, type WindowTier } from "./window-tier.js";

// Moved out of this file, still imported from here.
export { GEN_AI_TOKEN_USAGE } from "./gen-ai-token-usage.js";
export type { WindowStoreOptions, WindowTierOptions } from "./window-store-options.js";

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
  private readonly table: SeriesTable;
  // The table's own, under the names the queries below use.
  private readonly tiers: WindowTier[];
  private readonly series: Map<string, Series>;
  private readonly tracked: Map<string, TrackedHistogram>;
  private readonly clock: () => number;

  constructor(options: WindowStoreOptions) {
    const tierOptions = [options, ...(options.coarse ? [options.coarse] : [])];
    this.tiers = tierOptions.map(createWindowTier);
    this.clock = options.clock ?? Date.now;
    this.table = new SeriesTable(
      this.tiers,
      options.maxSeries ?? 10_000,
      options.diag ?? createTelemetryLogger(),
    );
    this.series = this.table.series;
    this.tracked = this.table.tracked;
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
    return this.table.firstIngest;
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
    if (selector.signal !== "latency" || tierIndexFor(this.tiers, query.windowMs) === 0) return;
    const quantile = STATISTIC_QUANTILES[selector.statistic as keyof typeof STATISTIC_QUANTILES];
    const shareAbove = selector.statistic === "ratio" && selector.latencyThresholdSeconds !== undefined;
    if (quantile === undefined && !shareAbove) return;
    this.table.trackedHistogram(LATENCY_METRIC, query.matcher, query.by);
  }

  /**
   * Adds a cumulative snapshot taken at `nowMs`: the change of every golden-signal series since
   * the previous ingest goes into the current interval's slot. Other metrics are ignored.
   */
  ingest(snapshot: ResourceMetrics, nowMs: number = this.clock()): void {
    this.table.ingest(snapshot, nowMs);
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
    return saturationStatistic(this.table, this.clock, statistic, query);
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
    return sumCounter(this.table, this.clock, metric, query);
  }

  private histogramStatistic(
    query: WindowQuery,
    statistic: (bounds: readonly number[], counts: Float64Array) => number | undefined,
    metric: MetricDefinition = LATENCY_METRIC,
  ): WindowValue[] {
    return histogramStatistic(this.table, this.clock, query, statistic, metric);
  }
}
