/**
 * The one PromQL builder: the generated dashboards and the Prometheus alert and recording rules
 * both write their queries with it. Every helper aggregates so that the result stays correct
 * across many instances: rates are summed, quantiles are taken over the summed bucket rates,
 * ratios divide two sums (never an average of per-instance ratios or quantiles).
 */
import type { MetricDefinition } from "./metric-definitions.js";

/** One label matcher: `=` an exact value, `=~` a regular expression (RE2, anchored by Prometheus). */
export interface LabelMatch {
  readonly op: "=" | "=~";
  readonly value: string;
}

/**
 * Label matchers joined into a `{...}` selector. A plain string is a regular expression (`=~`),
 * so a Grafana multi-value or "All" (`.*`) variable fits; use {@link exactly} or {@link oneOf}
 * for literal values.
 */
export type LabelMatchers = Readonly<Record<string, string | LabelMatch>>;

/** `label="value"`: an exact match. */
export function exactly(value: string): LabelMatch {
  return { op: "=", value };
}

/** `label=~"a|b"`: any of these literal values (regex characters escaped). */
export function oneOf(values: readonly string[]): LabelMatch {
  return { op: "=~", value: values.map(escapeRegex).join("|") };
}

/** A PromQL string literal: Go escapes, of which JSON's are a subset. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Template variable holding Grafana's rate window, sized from the scrape interval. */
export const RATE_INTERVAL = "$__rate_interval";

/** The Prometheus series name of a metric's histogram buckets (`<family>_bucket`). */
export function bucketSeries(metric: MetricDefinition): string {
  return `${metric.promName}_bucket`;
}

/** `{a=~"x", b="y"}`, or "" with no matchers. */
export function selector(matchers: LabelMatchers): string {
  const parts = Object.entries(matchers).map(([key, match]) =>
    typeof match === "string" ? `${key}=~"${match}"` : `${key}${match.op}${quote(match.value)}`,
  );
  return parts.length === 0 ? "" : `{${parts.join(", ")}}`;
}

/** ` by (a, b)`, or "" with no labels. */
export function groupBy(labels: readonly string[]): string {
  return labels.length === 0 ? "" : ` by (${labels.join(", ")})`;
}

/** Options shared by the rate-based helpers. */
export interface RateQueryOptions {
  /** Label matchers of the selector. */
  readonly matchers: LabelMatchers;
  /** Labels kept after summing; none sums everything into one series. @default [] */
  readonly by?: readonly string[];
  /** Range of `rate()`. @default "$__rate_interval" */
  readonly window?: string;
}

/** `sum by (...) (rate(series{...}[window]))`: per-second rate summed across instances. */
export function sumRate(series: string, options: RateQueryOptions): string {
  const window = options.window ?? RATE_INTERVAL;
  return `sum${groupBy(options.by ?? [])} (rate(${series}${selector(options.matchers)}[${window}]))`;
}

/** Options of {@link ratioOfRates}. */
export interface RatioQueryOptions extends RateQueryOptions {
  /** Labels of the denominator when the numerator has more (e.g. `error_type`); joined with `group_left`. */
  readonly denominatorBy?: readonly string[];
}

/**
 * `sum(rate(numerator)) / sum(rate(denominator))`, the share of one counter in another (the error
 * ratio). A group with requests but no error series yet reads 0 instead of disappearing: the
 * numerator falls back to the denominator times 0 for those groups.
 */
export function ratioOfRates(numerator: string, denominator: string, options: RatioQueryOptions): string {
  const num = sumRate(numerator, options);
  const den = sumRate(denominator, { ...options, by: options.denominatorBy ?? options.by ?? [] });
  if (options.denominatorBy !== undefined) {
    // Numerator keeps extra labels (error_type): match on the shared ones, one denominator per group.
    return `${num} / on(${options.denominatorBy.join(", ")}) group_left ${den}`;
  }
  return `(${num} or ${den} * 0) / ${den}`;
}

/** Options of {@link histogramQuantile}. */
export interface QuantileQueryOptions extends RateQueryOptions {
  /** The quantile, in (0, 1), e.g. 0.95. */
  readonly quantile: number;
}

/**
 * `histogram_quantile(q, sum by (le, ...) (rate(<family>_bucket{...}[window])))`: the quantile of the
 * merged distribution of every instance (the only correct way to aggregate quantiles).
 */
export function histogramQuantile(metric: MetricDefinition, options: QuantileQueryOptions): string {
  const by = ["le", ...(options.by ?? [])];
  return `histogram_quantile(${options.quantile}, ${sumRate(bucketSeries(metric), { ...options, by })})`;
}

/**
 * `histogram_quantile(q, sum by (...) (rate(<family>{...}[window])))`: the quantile of the merged
 * native (exponential) histogram, no `le` (a native histogram is one series). Needs the collector's
 * `nativeHistograms: true` and Prometheus with `--enable-feature=native-histograms`, scraping
 * protobuf; the classic form keeps working beside it.
 */
export function nativeHistogramQuantile(metric: MetricDefinition, options: QuantileQueryOptions): string {
  return `histogram_quantile(${options.quantile}, ${sumRate(metric.promName, options)})`;
}

/**
 * `histogram_fraction(0, upper, sum by (...) (rate(<family>{...}[window])))`: the share of
 * observations at or below `upper` in the merged native histogram (any threshold, not only a
 * bucket bound; interpolated inside the bucket that holds it).
 */
export function nativeHistogramFractionBelow(
  metric: MetricDefinition,
  upper: number,
  options: RateQueryOptions,
): string {
  return `histogram_fraction(0, ${upper}, ${sumRate(metric.promName, options)})`;
}

/** `sum by (le) (increase(<family>_bucket{...}[window]))`: latency heatmap cells per time step. */
export function bucketIncrease(metric: MetricDefinition, options: RateQueryOptions): string {
  const window = options.window ?? RATE_INTERVAL;
  const series = `${bucketSeries(metric)}${selector(options.matchers)}`;
  return `sum${groupBy(["le", ...(options.by ?? [])])} (increase(${series}[${window}]))`;
}

/** `max by (...) (gauge{...})`: the busiest value of a ratio gauge, per group. */
export function maxGauge(series: string, options: Omit<RateQueryOptions, "window">): string {
  return `max${groupBy(options.by ?? [])} (${series}${selector(options.matchers)})`;
}

/**
 * Tokens per second of the GenAI semantic-convention histogram `gen_ai.client.token.usage`, per
 * `model`: the model the response named (`gen_ai_response_model`), else the one asked for
 * (`gen_ai_request_model`; a timeout has no response). Rates are summed across instances first
 * (per requested and answered model), then the inner `label_replace` copies the request model
 * into `model` and the outer one overwrites it with the response model where that is non-empty,
 * and the result is summed by `model`.
 */
export function tokensByModel(sumSeries: string, options: RateQueryOptions): string {
  const by = options.by ?? [];
  const summed = sumRate(sumSeries, {
    ...options,
    by: [...by, "gen_ai_request_model", "gen_ai_response_model"],
  });
  const requested = `label_replace(${summed}, "model", "$1", "gen_ai_request_model", "(.+)")`;
  const answered = `label_replace(${requested}, "model", "$1", "gen_ai_response_model", "(.+)")`;
  return `sum${groupBy(["model", ...by])} (${answered})`;
}
