import { diag, type Tracer } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import type { ExporterSetup, TelemetryExporter } from "../../../src/exporters/telemetry-exporter.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  INSTRUMENTATION_SCOPE,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../../../src/signals/metric-definitions.js";

/** A reader that only answers `collect()`: it plays the golden-signal store's producer. */
class ProducerReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One failure an exporter reported. */
export interface ReportedFailure {
  readonly exporter: string;
  readonly error: unknown;
}

/**
 * Stands in for the collector until it lands: a plain sdk-metrics `MeterProvider` with the
 * golden-signal instruments under their frozen names (imported, not retyped), exposed as an
 * `ExporterSetup` whose `producer` feeds exporters the way the store does.
 */
export class GoldenSignalSetup {
  readonly failures: ReportedFailure[] = [];
  /** Spans the exporters reported dropped (what feeds zoran_telemetry_spans_dropped_total). */
  readonly spanDrops: { exporter: string; reason: string; count: number }[] = [];
  readonly resource;
  readonly setup: ExporterSetup;
  readonly #store: MeterProvider;
  readonly #reader = new ProducerReader();
  readonly #providers: { shutdown(): Promise<void> }[] = [];
  readonly latency;
  readonly requests;
  readonly errors;
  readonly tokens;
  readonly exchangeSize;
  readonly saturation;

  constructor(serviceName = "zoran-test") {
    this.resource = resourceFromAttributes({ "service.name": serviceName });
    this.#store = new MeterProvider({ resource: this.resource, readers: [this.#reader] });
    const meter = this.#store.getMeter(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
    this.latency = meter.createHistogram(LATENCY_METRIC.name, {
      unit: LATENCY_METRIC.unit,
      advice: { explicitBucketBoundaries: [...LATENCY_BOUNDS_SECONDS] },
    });
    this.requests = meter.createCounter(REQUESTS_METRIC.name);
    this.errors = meter.createCounter(ERRORS_METRIC.name);
    this.tokens = meter.createCounter(TOKENS_METRIC.name, { unit: TOKENS_METRIC.unit });
    this.exchangeSize = meter.createCounter(EXCHANGE_SIZE_METRIC.name, { unit: EXCHANGE_SIZE_METRIC.unit });
    this.saturation = meter.createGauge(SATURATION_METRIC.name, { unit: SATURATION_METRIC.unit });
    const reader = this.#reader;
    const failures = this.failures;
    const spanDrops = this.spanDrops;
    this.setup = {
      serviceName,
      resource: this.resource,
      producer: { collect: (options) => reader.collect(options) },
      async collect(): Promise<ResourceMetrics> {
        return (await reader.collect()).resourceMetrics;
      },
      diag,
      reportFailure(exporter, error) {
        failures.push({ exporter, error });
      },
      reportSpansDropped(exporter, reason, count) {
        spanDrops.push({ exporter, reason, count });
      },
    };
  }

  /** Records one operation of each golden signal, like `trace()` plus `recordSignal()` would. */
  recordOperation(operation: string, latencySeconds: number, failed = false): void {
    const op = { operation, exchange: "ai_ai" };
    this.latency.record(latencySeconds, { ...op, outcome: failed ? "error" : "ok" });
    this.requests.add(1, { ...op, outcome: failed ? "error" : "ok" });
    if (failed) this.errors.add(1, { ...op, error_type: "crash" });
    this.tokens.add(10, { ...op, direction: "input" });
    this.tokens.add(25, { ...op, direction: "output" });
    this.exchangeSize.add(512, { ...op, direction: "output" });
    this.saturation.record(0.25, { resource: "cpu" });
  }

  /** Wires an exporter the way the collector does: its reader and span processor into providers. */
  wire(exporter: TelemetryExporter): { tracer: Tracer } {
    const meterProvider = new MeterProvider({
      resource: this.resource,
      readers: exporter.metricReader ? [exporter.metricReader] : [],
    });
    const tracerProvider = new BasicTracerProvider({
      resource: this.resource,
      spanProcessors: exporter.spanProcessor ? [exporter.spanProcessor] : [],
    });
    this.#providers.push(meterProvider, tracerProvider);
    return { tracer: tracerProvider.getTracer(INSTRUMENTATION_SCOPE.name) };
  }

  /** A fresh cumulative snapshot of the store. */
  collect(): Promise<ResourceMetrics> {
    return this.setup.collect();
  }

  /** Closes the store (the exporters are shut down by the tests themselves). */
  async close(): Promise<void> {
    await this.#store.shutdown();
  }
}
