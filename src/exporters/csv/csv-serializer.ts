import type { Attributes, AttributeValue, HrTime } from "@opentelemetry/api";
import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { GoldenSignals } from "../../signals/golden-signals.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../../signals/metric-definitions.js";
import { histogramQuantile } from "../../snapshot/histogram-quantile.js";

/**
 * The columns of the CSV format, in order (documented in `docs/formats.md`).
 *
 * - `timestamp`, `start_timestamp`: ISO-8601 UTC, end and start of the data point's interval.
 * - `service`: `service.name` of the resource. `scope`: instrumentation scope name.
 * - `metric`: OpenTelemetry instrument name (`zoran.latency`). `signal`: golden signal it belongs
 *   to (`latency`, `error_rate`, `traffic`, `saturation`), empty for other metrics.
 * - `type`: `counter`, `updowncounter`, `gauge`, `histogram`, `exponential_histogram`.
 * - `unit`: UCUM unit (`s`, `By`, `{token}`, `1`). `temporality`: `cumulative` or `delta` (empty for gauges).
 * - `attributes`: the data point's attributes as a JSON object with sorted keys.
 * - `value`: counters and gauges. `count`, `sum`, `min`, `max`: histograms.
 * - `p50`, `p95`, `p99`: histograms, estimated from the buckets like `histogram_quantile()`.
 */
export const CSV_COLUMNS: readonly string[] = Object.freeze([
  "timestamp",
  "start_timestamp",
  "service",
  "scope",
  "metric",
  "signal",
  "type",
  "unit",
  "temporality",
  "attributes",
  "value",
  "count",
  "sum",
  "min",
  "max",
  "p50",
  "p95",
  "p99",
]);

/** Options of {@link serializeCsv}. */
export interface CsvSerializerOptions {
  /**
   * Whether to start with the header row. Appending to an existing file leaves it out.
   * @default true
   */
  readonly header?: boolean;
}

/** Row separator: RFC 4180 says CRLF; every CSV reader (csv-parse, pandas, DuckDB, spreadsheets) accepts it. */
const EOL = "\r\n";

const SIGNAL_BY_METRIC: ReadonlyMap<string, string> = new Map([
  [LATENCY_METRIC.name, GoldenSignals.LATENCY],
  [ERRORS_METRIC.name, GoldenSignals.ERROR_RATE],
  [REQUESTS_METRIC.name, GoldenSignals.TRAFFIC],
  [TOKENS_METRIC.name, GoldenSignals.TRAFFIC],
  [EXCHANGE_SIZE_METRIC.name, GoldenSignals.TRAFFIC],
  [SATURATION_METRIC.name, GoldenSignals.SATURATION],
]);

const QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * The snapshot as CSV text: one row per data point, the columns of {@link CSV_COLUMNS}, RFC 4180
 * quoting, CRLF row ends, and text cells that a spreadsheet would run as a formula (starting
 * with `=`, `+`, `-`, `@`, tab or CR) prefixed with `'` (OWASP "CSV injection"). The same rule
 * applies to each attribute value inside the `attributes` JSON, since tools often split it out
 * into cells of its own.
 *
 * @example
 * writeFileSync("snapshot.csv", serializeCsv(await collector.collect()));
 */
export function serializeCsv(snapshot: ResourceMetrics, options: CsvSerializerOptions = {}): string {
  const lines: string[] = [];
  if (options.header ?? true) lines.push(CSV_COLUMNS.map(formatText).join(","));
  const service = String(snapshot.resource.attributes[ATTR_SERVICE_NAME] ?? "");
  for (const scopeMetrics of snapshot.scopeMetrics) {
    for (const metric of scopeMetrics.metrics) {
      for (const point of metric.dataPoints as DataPoint<unknown>[]) {
        lines.push(formatRow(service, scopeMetrics.scope.name, metric, point));
      }
    }
  }
  return lines.length === 0 ? "" : `${lines.join(EOL)}${EOL}`;
}

function formatRow(service: string, scope: string, metric: MetricData, point: DataPoint<unknown>): string {
  const common = [
    formatText(formatTime(point.endTime)),
    formatText(formatTime(point.startTime)),
    formatText(service),
    formatText(scope),
    formatText(metric.descriptor.name),
    formatText(SIGNAL_BY_METRIC.get(metric.descriptor.name) ?? ""),
    formatText(metricType(metric)),
    formatText(metric.descriptor.unit),
    formatText(temporality(metric)),
    formatText(formatAttributes(point.attributes)),
  ];
  let numbers: string[];
  if (metric.dataPointType === DataPointType.HISTOGRAM) {
    const h = point.value as Histogram;
    const layout = { boundaries: h.buckets.boundaries, counts: h.buckets.counts, min: h.min, max: h.max };
    numbers = [
      "",
      formatNumber(h.count),
      formatNumber(h.sum),
      formatNumber(h.min),
      formatNumber(h.max),
      ...QUANTILES.map((q) => formatNumber(histogramQuantile(q, layout.boundaries, layout.counts, layout))),
    ];
  } else if (metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
    // Quantiles of exponential histograms are left empty: the store never emits them.
    const h = point.value as { count: number; sum?: number; min?: number; max?: number };
    numbers = [
      "",
      formatNumber(h.count),
      formatNumber(h.sum),
      formatNumber(h.min),
      formatNumber(h.max),
      "",
      "",
      "",
    ];
  } else {
    numbers = [formatNumber(point.value as number), "", "", "", "", "", "", ""];
  }
  return [...common, ...numbers].join(",");
}

/** Gauges have no temporality: the column stays empty for them. */
function temporality(metric: MetricData): string {
  if (metric.dataPointType === DataPointType.GAUGE) return "";
  return metric.aggregationTemporality === AggregationTemporality.DELTA ? "delta" : "cumulative";
}

function metricType(metric: MetricData): string {
  switch (metric.dataPointType) {
    case DataPointType.HISTOGRAM:
      return "histogram";
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return "exponential_histogram";
    case DataPointType.GAUGE:
      return "gauge";
    case DataPointType.SUM:
      return metric.isMonotonic ? "counter" : "updowncounter";
  }
}

function formatTime([seconds, nanos]: HrTime): string {
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
}

/** Numbers as JavaScript writes them; `inf`, `-inf`, `nan` as pandas and DuckDB read them. */
function formatNumber(value: number | undefined): string {
  if (value === undefined) return "";
  if (Number.isNaN(value)) return "nan";
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  return String(value);
}

function formatAttributes(attributes: Attributes): string {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(attributes).sort()) {
    sorted[neutralise(key)] = neutraliseValue(attributes[key]);
  }
  return JSON.stringify(sorted);
}

function neutraliseValue(value: AttributeValue | undefined): unknown {
  if (typeof value === "string") return neutralise(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? neutralise(v) : v));
  return value;
}

/** Cells a spreadsheet would evaluate (https://owasp.org/www-community/attacks/CSV_Injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One text cell: neutralised, then quoted when RFC 4180 requires it. */
function formatText(text: string): string {
  const safe = neutralise(text);
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
