import type { DiagLogger } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";

/**
 * What the collector hands an exporter factory when it builds its exporters (at construction,
 * because OpenTelemetry readers and span processors are fixed when the providers are made).
 */
export interface ExporterSetup {
  /** `service.name` of the resource. */
  readonly serviceName: string;
  /** The OpenTelemetry resource every signal is exported with. */
  readonly resource: Resource;
  /**
   * A fresh cumulative snapshot of every metric: the one snapshot source (the store, the users'
   * OpenTelemetry instruments and, in a cluster primary, the workers). Usable once the
   * collector's constructor has returned.
   */
  collect(): Promise<ResourceMetrics>;
  /** Where failures are reported: never throw into the host application. */
  readonly diag: DiagLogger;
  /** Counts one export failure of `exporter` in the self-metrics. */
  reportFailure(exporter: string, error: unknown): void;
  /**
   * Counts spans `exporter` dropped (`reason`: `buffer_full`, `rejected`, `shutdown`) in
   * `zoran_telemetry_spans_dropped_total{exporter,reason}`. Optional: without it the drops are
   * still reported once per outage through `diag`.
   */
  reportSpansDropped?(exporter: string, reason: string, count: number): void;
}

/**
 * One exporter, as the collector drives it: an optional OpenTelemetry `MetricReader` and
 * `SpanProcessor` wired into the providers, plus a lifecycle.
 */
export interface TelemetryExporter {
  /** Short name used in errors and self-metrics, e.g. `prometheus`, `otlp`, `json`. */
  readonly name: string;
  /** Registered with the collector's `TracerProvider` (e.g. a batch OTLP span processor). */
  readonly spanProcessor?: SpanProcessor;
  /** Begins listening or pushing. A rejection makes `collector.start()` reject with it. */
  start?(): Promise<void>;
  /** Pushes what is pending now. */
  forceFlush?(): Promise<void>;
  /** Final flush, then sockets closed and timers cleared. Must resolve, even when a receiver is down. */
  shutdown(): Promise<void>;
}

/** Builds an exporter from the collector's setup and its options. */
export type ExporterFactory<O = unknown> = (setup: ExporterSetup, options: O) => TelemetryExporter;
