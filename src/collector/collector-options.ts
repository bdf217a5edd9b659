import type { Attributes, DiagLogger } from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";
import type { AlertingOptions } from "../alerting/alerting-options.js";
import type { ClusterAggregator } from "../cluster/cluster-aggregator.js";
import type { HttpEndpointOptions } from "../endpoint/http-endpoint.js";
import type { ConsoleExporterOptions } from "../exporters/console/console-exporter.js";
import type { CsvExporterOptions } from "../exporters/csv/csv-exporter.js";
import type { ExporterName } from "../exporters/exporter-registry.js";
import type { JsonExporterOptions } from "../exporters/json/json-exporter.js";
import type { OtlpExporterOptions } from "../exporters/otlp/otlp-exporter-options.js";
import type { PushgatewayExporterOptions } from "../exporters/pushgateway/pushgateway-exporter.js";
import type { RemoteWriteExporterOptions } from "../exporters/remote-write/remote-write-exporter.js";
import type { ExemplarFilter } from "../recording/signal-attributes.js";
import type { ProbeResource } from "../signals/label-values.js";

/** Options of the Prometheus endpoint (the collector's HTTP server: `/metrics`, live page, alerts). */
export interface PrometheusEndpointOptions extends HttpEndpointOptions {
  /** Most scrapes served at once; more get 503 with `Retry-After: 1`. @default 16 */
  maxConcurrentScrapes?: number;
  /**
   * Leave out the `otel_scope_name` / `otel_scope_version` labels that application instruments
   * (`collector.meter`, the app's SDK instruments) carry on Prometheus pages, as the OpenTelemetry
   * Prometheus-compatibility spec allows (the reference exporter's option of the same name). The
   * golden signals never carry them. Two meters' instruments of one name then collide: the later
   * series is left out and reported. Also applies to `export("prometheus" | "openmetrics")`.
   * @default false
   */
  withoutScopeInfo?: boolean;
}

/** Options of the automatic saturation probes. */
export interface SaturationOptions {
  /** Sampling period in milliseconds; the first sample is taken at `start()`. @default 1000 */
  intervalMs?: number;
  /** Which probes run. @default ["cpu", "memory", "event_loop", "io"] */
  probes?: readonly ProbeResource[];
}

/** Options of the in-process window store (the live page and alert rules read it). */
export interface WindowOptions {
  /** How often a snapshot is taken into the window, in milliseconds. @default 2000 */
  intervalMs?: number;
  /** How far back the fine-grained ring reaches, in milliseconds. @default 900000 (15 min) */
  retentionMs?: number;
  /** Most series kept (each costs a fixed ring; see docs/alerting.md). @default 1000 */
  maxSeries?: number;
}

export type { ExporterName };

/**
 * Options of a {@link TelemetryCollector}. Options given in code win over the standard
 * OpenTelemetry environment variables, which win over the defaults.
 */
export interface TelemetryCollectorOptions {
  /** `service.name` of every signal. @default `OTEL_SERVICE_NAME`, else "unknown_service:node" */
  serviceName?: string;
  /** `service.version` resource attribute. */
  serviceVersion?: string;
  /** Extra resource attributes (merged over `OTEL_RESOURCE_ATTRIBUTES`). */
  resourceAttributes?: Attributes;
  /** Exporter or exporters to run. @default "prometheus" */
  exporter?: ExporterName | readonly ExporterName[];
  /** Port of the Prometheus endpoint. @default `OTEL_EXPORTER_PROMETHEUS_PORT`, else 9464 */
  port?: number;
  /** Address of the Prometheus endpoint. @default `OTEL_EXPORTER_PROMETHEUS_HOST`, else "127.0.0.1" */
  host?: string;
  /** More options of the Prometheus endpoint. */
  prometheus?: PrometheusEndpointOptions;
  /** Options of the OTLP exporter (`exporter: "otlp"`); `OTEL_EXPORTER_OTLP_*` fill the gaps. */
  otlp?: OtlpExporterOptions;
  /** Options of the JSON Lines exporter (`exporter: "json"`). */
  json?: JsonExporterOptions;
  /** Options of the CSV exporter (`exporter: "csv"`); `path` is required with it. */
  csv?: CsvExporterOptions;
  /** Options of the console exporter (`exporter: "console"`). */
  console?: ConsoleExporterOptions;
  /** Options of the Pushgateway exporter (`exporter: "pushgateway"`); `url` is required with it. */
  pushgateway?: PushgatewayExporterOptions;
  /** Options of the remote-write exporter (`exporter: "remote_write"`); `url` is required with it. */
  remoteWrite?: RemoteWriteExporterOptions;
  /**
   * Flush at the end of a process that never called `shutdown()` (batch jobs, scripts): when its
   * event loop empties (`beforeExit`), and on SIGTERM/SIGINT, where the process then exits as
   * Node would have without this handler (the signal is raised again) unless the application
   * has handlers of its own. `process.exit()` and crashes skip it. `{ signals: [] }` keeps only
   * the `beforeExit` flush. See docs/batch-jobs.md.
   * @default true when a push or file exporter runs (otlp, pushgateway, remote_write, json, csv, console), else false
   */
  flushOnExit?: boolean | { readonly signals?: readonly ("SIGTERM" | "SIGINT")[] };
  /** Most series per metric before values go to the overflow series. @default 2000 */
  cardinalityLimit?: number;
  /** Create OpenTelemetry spans in `trace()`; when false, only golden signals are recorded. @default true */
  tracing?: boolean;
  /**
   * Latency also as a base-2 exponential (native) histogram, its scale adjusted to at most 160
   * buckets per series: the Prometheus protobuf exposition serves it as a native histogram, OTLP
   * as an `ExponentialHistogram`; the classic buckets stay for everything else.
   * @default false, or true for OTLP when `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=base2_exponential_bucket_histogram`
   */
  nativeHistograms?: boolean;
  /**
   * Which latency observations and request/error counts carry an exemplar (the span they were
   * recorded in): `trace_based` (in a sampled span), `always_on` (in any span), `always_off`.
   * @default OTEL_METRICS_EXEMPLAR_FILTER, else "trace_based"
   */
  exemplarFilter?: ExemplarFilter;
  /** Saturation probes; `false` turns them off. */
  saturation?: SaturationOptions | false;
  /** Event-loop delay, heap and GC metrics under the runtime semantic-convention names. @default true */
  runtimeMetrics?: boolean;
  /** Turns every call into a no-op. @default `OTEL_SDK_DISABLED === "true"` */
  disabled?: boolean;
  /** The in-process window of recent deltas behind the live page and alerting; `false` turns it off. */
  window?: WindowOptions | false;
  /**
   * In-process alerting over the window: `true` runs the shipped rules (latency p95, error ratio,
   * traffic drop, saturation) with no notifier; an object picks rules, SLOs and notifiers.
   * Bad rules make the constructor throw a `RuleValidationError` naming the rule and field.
   * @default false
   */
  alerting?: AlertingOptions | boolean;
  /**
   * In the primary of a `node:cluster` / `worker_threads` / forked group: the aggregator whose
   * workers' snapshots are merged into every collection (so `/metrics`, exports, the window and
   * alerting see the whole group). Workers use `reportToPrimary()` from `zoran-telemetrie/cluster`.
   */
  cluster?: ClusterAggregator;
  /**
   * Where problems are reported. @default loud: each distinct warning or error once on stderr
   * (at or above `OTEL_LOG_LEVEL`, default `info`), or the global `diag` when the application
   * installed a diag logger
   */
  diag?: DiagLogger;
  /**
   * More OpenTelemetry span processors for the spans of `trace()` and the instrumentation (e.g.
   * the application's own exporter, or an in-memory one in tests), beside the exporters' own.
   */
  spanProcessors?: readonly SpanProcessor[];
  /** Flush budget of `shutdown()`, in milliseconds. @default 5000 */
  shutdownTimeoutMs?: number;
}
