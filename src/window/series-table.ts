import type { DiagLogger } from "@opentelemetry/api";
import { DataPointType, type MetricData, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
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
import { GEN_AI_TOKEN_USAGE } from "./gen-ai-token-usage.js";
import { type LabelMatcher, labelSetKey } from "./label-matcher.js";
import { CHECKPOINT_EVERY, type Series } from "./series.js";
import { SharedBounds, sameBounds } from "./shared-bounds.js";
import { type SlotLayout, SlotLog } from "./slot-log.js";
import {
  backfillTrackedHistogram,
  createTrackedHistogram,
  joinGroup,
  type TrackedHistogram,
  trackedHistogramKey,
} from "./tracked-histogram.js";
import type { WindowTier } from "./window-tier.js";

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
 * The series of a {@link WindowStore} by metric and label set, with their slot logs per tier and
 * the tracked histogram aggregates: what `ingest()` writes and the store's queries read.
 */
export class SeriesTable {
  readonly series = new Map<string, Series>();
  readonly tracked = new Map<string, TrackedHistogram>();
  readonly bounds = new SharedBounds();
  private warnedFull = false;
  /** Epoch milliseconds of the first ingest; undefined before. */
  firstIngest: number | undefined;
  /** Time of the ingest in progress, stamped on the series it creates. */
  private ingestMs = 0;
  /** The deltas of one series being ingested (reused). */
  private deltas = new Float64Array(32);

  constructor(
    readonly tiers: WindowTier[],
    private readonly maxSeries: number,
    private readonly diag: DiagLogger,
  ) {}

  /**
   * Adds a cumulative snapshot taken at `nowMs`: the change of every golden-signal series since
   * the previous ingest goes into the current interval's slot. Other metrics are ignored.
   */
  ingest(snapshot: ResourceMetrics, nowMs: number): void {
    this.firstIngest ??= nowMs;
    this.ingestMs = nowMs;
    for (let t = 0; t < this.tiers.length; t++) this.advance(t, nowMs);
    for (const scope of snapshot.scopeMetrics) {
      for (const metric of scope.metrics) this.ingestMetric(metric);
    }
  }

  /**
   * The tracked aggregate of `metric` for `matcher` and `by`, made on first use: its groups for
   * the series there are, and their coarse slots summed from what the fine tier still holds.
   */
  trackedHistogram(
    metric: MetricDefinition,
    matcher: LabelMatcher | undefined,
    by: readonly string[] | undefined,
  ): TrackedHistogram {
    const key = trackedHistogramKey(metric, matcher, by);
    const existing = this.tracked.get(key);
    if (existing !== undefined) return existing;
    const tracked = createTrackedHistogram(metric, matcher, by);
    this.tracked.set(key, tracked);
    const coarse = this.tiers[1];
    if (coarse === undefined) return tracked;
    const fine = this.tiers[0]!;
    const lost = backfillTrackedHistogram(tracked, this.series.values(), fine, coarse, this.bounds);
    const retentionMs = fine.slots * fine.intervalMs;
    if (lost && this.firstIngest !== undefined && this.ingestMs - this.firstIngest > retentionMs) {
      this.diag.debug(
        "zoran-telemetrie WindowStore: a long-window latency query was not declared with track(); it is tracked from the fine tier's history on",
      );
    }
    return tracked;
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
      bounds: this.bounds.share(bounds),
      previous: new Array<number>(isHistogram ? width + 1 : layout === "gauge" ? 0 : 1).fill(0),
      seen: false,
      logs: this.tiers.map((_, t) =>
        t > 0 && isHistogram ? undefined : new SlotLog(layout, width, CHECKPOINT_EVERY[t === 0 ? 0 : 1]),
      ),
      groups: [],
    };
    this.series.set(key, series);
    if (isHistogram) for (const tracked of this.tracked.values()) joinGroup(tracked, series, this.bounds);
    return series;
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
