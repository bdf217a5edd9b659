import { diag, type Tracer } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import type { ExporterSetup, TelemetryExporter } from "../../../src/exporters/telemetry-exporter.js";
import { GoldenSignalStore } from "../../../src/recording/golden-signal-store.js";
import { OperationContextManager } from "../../../src/recording/operation-context-manager.js";
import { SignalRecorder } from "../../../src/recording/signal-recorder.js";
import { GoldenSignals } from "../../../src/signals/golden-signals.js";
import { INSTRUMENTATION_SCOPE } from "../../../src/signals/metric-definitions.js";
import { SnapshotSource } from "../../../src/snapshot/snapshot-source.js";

/** One failure an exporter reported. */
export interface ReportedFailure {
  readonly exporter: string;
  readonly error: unknown;
}

/**
 * The collector's real recording kernel without its ports and timers, for exporter tests: the
 * golden-signal store, the recorder that writes it and the one snapshot source, exposed as the
 * `ExporterSetup` the collector hands its exporters.
 */
export class GoldenSignalSetup {
  readonly failures: ReportedFailure[] = [];
  /** Spans the exporters reported dropped (what feeds zoran_telemetry_spans_dropped_total). */
  readonly spanDrops: { exporter: string; reason: string; count: number }[] = [];
  readonly resource;
  readonly setup: ExporterSetup;
  readonly store: GoldenSignalStore;
  readonly recorder: SignalRecorder;
  readonly #meterProvider: MeterProvider;
  readonly #providers: { shutdown(): Promise<void> }[] = [];
  readonly #contextManager = new OperationContextManager().enable();

  constructor(serviceName = "zoran-test") {
    this.resource = resourceFromAttributes({ "service.name": serviceName });
    this.store = new GoldenSignalStore({ resource: this.resource, cardinalityLimit: 2000, diag });
    const source = new SnapshotSource({ store: this.store, cardinalityLimit: 2000, diag });
    this.#meterProvider = new MeterProvider({ resource: this.resource, readers: [source.reader] });
    this.recorder = new SignalRecorder({
      store: this.store,
      contextManager: this.#contextManager,
      tracer: undefined,
      disabled: false,
    });
    const failures = this.failures;
    const spanDrops = this.spanDrops;
    this.setup = {
      serviceName,
      resource: this.resource,
      collect: () => source.collect(),
      diag,
      reportFailure(exporter, error) {
        failures.push({ exporter, error });
      },
      reportSpansDropped(exporter, reason, count) {
        spanDrops.push({ exporter, reason, count });
      },
    };
  }

  /** Records one operation of each golden signal through `recordSignal()`, as an application would. */
  recordOperation(operation: string, latencySeconds: number, failed = false): void {
    const op = { operation, exchange: "ai_ai" };
    const record = this.recorder.recordSignal.bind(this.recorder);
    record(GoldenSignals.LATENCY, latencySeconds, { ...op, outcome: failed ? "error" : "ok" });
    record(GoldenSignals.ERROR_RATE, failed ? 1 : 0, { ...op, error_type: "crash" });
    record(GoldenSignals.TRAFFIC, 10, { ...op, kind: "tokens", direction: "input" });
    record(GoldenSignals.TRAFFIC, 25, { ...op, kind: "tokens", direction: "output" });
    record(GoldenSignals.TRAFFIC, 512, { ...op, direction: "output" });
    record(GoldenSignals.SATURATION, 0.25, { resource: "cpu" });
  }

  /** Wires an exporter's span processor into a tracer provider, as the collector does. */
  wire(exporter: TelemetryExporter): { tracer: Tracer } {
    const tracerProvider = new TracerProvider({
      resource: this.resource,
      spanProcessors: exporter.spanProcessor ? [exporter.spanProcessor] : [],
    });
    this.#providers.push(tracerProvider);
    return { tracer: tracerProvider.getTracer(INSTRUMENTATION_SCOPE.name) };
  }

  /** A fresh cumulative snapshot, as every exporter reads it. */
  collect(): Promise<ResourceMetrics> {
    return this.setup.collect();
  }

  /** Closes the providers (the exporters are shut down by the tests themselves). */
  async close(): Promise<void> {
    await Promise.allSettled([this.#meterProvider.shutdown(), ...this.#providers.map((p) => p.shutdown())]);
    this.#contextManager.disable();
  }
}
