/**
 * The golden-signal metrics: the one place where their names, units, labels and buckets live
 * (frozen: dashboards, alert rules and users' queries depend on them). The store, the serializers, the dashboards and the alert rules read
 * them from here, so a name is never typed twice.
 */

/** Kind of OpenTelemetry instrument behind a metric. */
export type MetricKind = "counter" | "histogram" | "gauge";

/** One metric: its OpenTelemetry identity and the Prometheus family it becomes. */
export interface MetricDefinition {
  /** OpenTelemetry instrument name, e.g. `zoran.latency`. */
  readonly name: string;
  /** Prometheus family name, e.g. `zoran_latency_seconds` (counters carry `_total`). */
  readonly promName: string;
  readonly kind: MetricKind;
  /** UCUM unit as OpenTelemetry writes it (`s`, `By`, `{token}`, `1`), empty when none. */
  readonly unit: string;
  readonly description: string;
  /** Label keys, in exposition order. */
  readonly labels: readonly string[];
}

/** Histogram bucket upper bounds for latency, in seconds: 0.01 doubling to 81.92 (GenAI semconv). */
export const LATENCY_BOUNDS_SECONDS: readonly number[] = Object.freeze(
  Array.from({ length: 14 }, (_, i) => 0.01 * 2 ** i).map((b) => Number(b.toPrecision(6))),
);

export const LATENCY_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.latency",
  promName: "zoran_latency_seconds",
  kind: "histogram",
  unit: "s",
  description: "Duration of an AI operation or exchange.",
  labels: Object.freeze(["operation", "exchange", "outcome"]),
});

export const REQUESTS_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.requests",
  promName: "zoran_requests_total",
  kind: "counter",
  unit: "",
  description: "Operations completed, by outcome.",
  labels: Object.freeze(["operation", "exchange", "outcome"]),
});

export const TOKENS_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.tokens",
  promName: "zoran_tokens_total",
  kind: "counter",
  unit: "{token}",
  description: "Tokens exchanged, by direction.",
  labels: Object.freeze(["operation", "exchange", "direction"]),
});

export const EXCHANGE_SIZE_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.exchange.size",
  promName: "zoran_exchange_size_bytes_total",
  kind: "counter",
  unit: "By",
  description: "Bytes exchanged, by direction.",
  labels: Object.freeze(["operation", "exchange", "direction"]),
});

export const ERRORS_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.errors",
  promName: "zoran_errors_total",
  kind: "counter",
  unit: "",
  description: "Failed share of operations, by error type.",
  labels: Object.freeze(["operation", "exchange", "error_type"]),
});

export const SATURATION_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.saturation",
  promName: "zoran_saturation_ratio",
  kind: "gauge",
  unit: "1",
  description: "Share of a resource in use, from 0 to 1.",
  labels: Object.freeze(["resource"]),
});

/**
 * Every detected model refusal (chat `refusal`, `finish_reason: "content_filter"`, Anthropic
 * `stop_reason: "refusal"`, Responses refusal parts). A refusal is also an `unjustified_refusal`
 * error only when the exchange's policy says the request must be answered.
 */
export const REFUSALS_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.refusals",
  promName: "zoran_refusals_total",
  kind: "counter",
  unit: "",
  description: "Model refusals detected in AI exchanges.",
  labels: Object.freeze(["operation", "exchange"]),
});

/**
 * Time to first token of streamed AI calls: timed to the first text or tool-call delta, not to
 * the first event of any kind (role-only chunks, `message_start`). Same bounds as latency.
 */
export const TIME_TO_FIRST_TOKEN_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.time_to_first_token",
  promName: "zoran_time_to_first_token_seconds",
  kind: "histogram",
  unit: "s",
  description: "Time from the start of a streamed AI call to its first text or tool-call delta.",
  labels: Object.freeze(["operation", "exchange"]),
});

/** Self-metric: values the library refused (bad value, unknown signal, bad attribute). */
export const DROPPED_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.telemetry.dropped",
  promName: "zoran_telemetry_dropped_total",
  kind: "counter",
  unit: "",
  description: "Measurements or attributes dropped by zoran-telemetrie, by reason and signal.",
  labels: Object.freeze(["reason", "signal"]),
});

/** Self-metric: measurements that went to an overflow series past a cardinality limit. */
export const OVERFLOW_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.telemetry.overflow",
  promName: "zoran_telemetry_overflow_total",
  kind: "counter",
  unit: "",
  description: "Measurements recorded into the overflow series of a metric past its cardinality limit.",
  labels: Object.freeze(["metric"]),
});

/** Self-metric: exports, deliveries or scrapes that failed, by exporter. */
export const EXPORT_FAILURES_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.telemetry.export.failures",
  promName: "zoran_telemetry_export_failures_total",
  kind: "counter",
  unit: "",
  description: "Export attempts of zoran-telemetrie that failed, by exporter.",
  labels: Object.freeze(["exporter"]),
});

/**
 * Self-metric: spans an exporter dropped instead of delivering, by exporter and reason:
 * `buffer_full` (an outage or a slow receiver outlasted the retry buffer; the oldest go first),
 * `rejected` (the receiver refused the batch for good, HTTP 4xx), `shutdown` (still undelivered
 * when the final flush ended).
 */
export const SPANS_DROPPED_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.telemetry.spans.dropped",
  promName: "zoran_telemetry_spans_dropped_total",
  kind: "counter",
  unit: "",
  description:
    "Spans dropped by zoran-telemetrie exporters instead of being delivered, by exporter and reason.",
  labels: Object.freeze(["exporter", "reason"]),
});

/**
 * Self-metric of the cluster aggregation: workers that exited, by whether their last counts
 * reached the primary (`final_report="true"`: they called `stop()`) or not (`"false"`: a crash
 * or a kill; their counts since their last report, at most one push interval, are missing).
 */
export const CLUSTER_WORKER_EXITS_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.telemetry.cluster.worker.exits",
  promName: "zoran_telemetry_cluster_worker_exits_total",
  kind: "counter",
  unit: "",
  description: "Cluster workers that exited, by whether their final report reached the primary.",
  labels: Object.freeze(["final_report"]),
});

/**
 * Self-metric of the Prometheus exposition: distinct changes the serializer made so that the page
 * parses, by `kind` (`family_clash`: a metric left out because its name clashes with an earlier
 * family; `reserved_label`: an attribute renamed `exported_<name>`; `label_clash`: attributes
 * joined into one label; `duplicate_series`: a repeated series left out; `native_histogram`: a
 * native histogram left out). Each cause counts once, however many scrapes meet it.
 */
export const EXPOSITION_CONFLICTS_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.telemetry.exposition.conflicts",
  promName: "zoran_telemetry_exposition_conflicts_total",
  kind: "counter",
  unit: "",
  description: "Distinct changes the Prometheus serializer made so that the page parses, by kind.",
  labels: Object.freeze(["kind"]),
});

/** The golden-signal metrics, in the order they are exported. */
export const GOLDEN_SIGNAL_METRICS: readonly MetricDefinition[] = Object.freeze([
  LATENCY_METRIC,
  REQUESTS_METRIC,
  ERRORS_METRIC,
  TOKENS_METRIC,
  EXCHANGE_SIZE_METRIC,
  SATURATION_METRIC,
]);

/** The library's own health metrics. */
export const SELF_METRICS: readonly MetricDefinition[] = Object.freeze([
  DROPPED_METRIC,
  OVERFLOW_METRIC,
  EXPORT_FAILURES_METRIC,
  SPANS_DROPPED_METRIC,
  CLUSTER_WORKER_EXITS_METRIC,
  EXPOSITION_CONFLICTS_METRIC,
]);

/**
 * Node.js runtime metrics under the OpenTelemetry runtime semantic-convention names
 * (https://opentelemetry.io/docs/specs/semconv/runtime/nodejs-metrics/ and v8js-metrics/).
 */
export const RUNTIME_METRIC_NAMES = Object.freeze({
  eventLoopDelayP99: "nodejs.eventloop.delay.p99",
  eventLoopUtilization: "nodejs.eventloop.utilization",
  heapUsed: "v8js.memory.heap.used",
  heapLimit: "v8js.memory.heap.limit",
  gcDuration: "v8js.gc.duration",
});

/** Bucket bounds advised by the semantic conventions for `v8js.gc.duration`, in seconds. */
export const GC_DURATION_BOUNDS_SECONDS: readonly number[] = Object.freeze([0.01, 0.1, 1, 10]);

/** Instrumentation scope under which the store's metrics are exported. */
export const INSTRUMENTATION_SCOPE = Object.freeze({ name: "zoran-telemetrie", version: "0.1.0" });
