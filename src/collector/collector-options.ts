import type { Attributes, DiagLogger } from "@opentelemetry/api";
import type { AlertingOptions } from "../alerting/alerting-options.js";
import type { ClusterAggregator } from "../cluster/cluster-aggregator.js";
import type { ConsoleExporterOptions } from "../exporters/console/console-exporter.js";
import type { CsvExporterOptions } from "../exporters/csv/csv-exporter.js";
import type { JsonExporterOptions } from "../exporters/json/json-exporter.js";
import type { OtlpExporterOptions } from "../exporters/otlp/otlp-exporter-options.js";
import type { ProbeResource } from "../signals/label-values.js";

/** Names of the exporters a collector can run. */
export type ExporterName = "prometheus" | "otlp" | "json" | "csv" | "console" | "none";

/** Options of the Prometheus endpoint. */
export interface PrometheusEndpointOptions {
  /** TCP port of `/metrics`; 0 picks a free one (read it back from `collector.url`). @default 9464 */
  port?: number;
  /** Address to bind. @default "127.0.0.1" (never all interfaces unless told) */
  host?: string;
  /** When set, requests must carry `Authorization: Bearer <token>` (compared in constant time). */
  bearerToken?: string;
  /**
   * When set, requests must carry `Authorization: Basic` with these credentials (compared in
   * constant time). With `bearerToken` too, either one is accepted.
   */
  basicAuth?: { readonly username: string; readonly password: string };
  /** Serve HTTPS with this PEM key and certificate instead of plain HTTP. */
  tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** Longest time a request may take to arrive whole, in milliseconds (slowloris guard). @default 10000 */
  requestTimeoutMs?: number;
  /** Longest time the headers (and TLS handshake) may take, in milliseconds. @default 5000 */
  headersTimeoutMs?: number;
  /** Most scrapes served at once; more get 503 with `Retry-After: 1`. @default 16 */
  maxConcurrentScrapes?: number;
  /** Most open connections to the endpoint; more are refused. @default 256 */
  maxConnections?: number;
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
  /** Most series per metric before values go to the overflow series. @default 2000 */
  cardinalityLimit?: number;
  /** Create OpenTelemetry spans in `trace()`; when false, only golden signals are recorded. @default true */
  tracing?: boolean;
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
  /** Where problems are reported. @default OpenTelemetry's global `diag` */
  diag?: DiagLogger;
  /** Flush budget of `shutdown()`, in milliseconds. @default 5000 */
  shutdownTimeoutMs?: number;
}

/** Reads a port number from an environment variable, or undefined when unset or invalid. */
export function envPort(name: string): number | undefined {
  const raw = process.env[name]?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined;
}

/** Reads a boolean environment variable the OpenTelemetry way (only "true", case-insensitive, is true). */
export function envFlag(name: string): boolean {
  return process.env[name]?.trim().toLowerCase() === "true";
}

/** Normalises the `exporter` option to a list without duplicates or "none". */
export function exporterList(exporter: TelemetryCollectorOptions["exporter"]): ExporterName[] {
  const list =
    exporter === undefined ? ["prometheus" as const] : Array.isArray(exporter) ? exporter : [exporter];
  return [...new Set(list as ExporterName[])].filter((name) => name !== "none");
}
