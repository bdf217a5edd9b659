import { diag } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { GoldenSignalStore } from "../../src/recording/golden-signal-store.js";
import { OperationContextManager } from "../../src/recording/operation-context-manager.js";
import type { SignalAttributes } from "../../src/recording/signal-attributes.js";
import { SignalRecorder } from "../../src/recording/signal-recorder.js";
import { GoldenSignals } from "../../src/signals/golden-signals.js";
import { SnapshotSource } from "../../src/snapshot/snapshot-source.js";

/**
 * The collector's real recording kernel (golden-signal store, recorder, snapshot source) without
 * ports and timers, for window and alerting tests that need real cumulative snapshots.
 */
export function createGoldenSignalMeter() {
  const store = new GoldenSignalStore({ resource: resourceFromAttributes({}), cardinalityLimit: 2000, diag });
  const source = new SnapshotSource({ store, cardinalityLimit: 2000, diag });
  const provider = new MeterProvider({ readers: [source.reader] });
  const contextManager = new OperationContextManager().enable();
  const recorder = new SignalRecorder({ store, contextManager, tracer: undefined, disabled: false });
  const record = recorder.recordSignal.bind(recorder);
  return {
    /** One completed operation, recorded through `recordSignal()` outside `trace()`. */
    operation(options: {
      seconds: number;
      error?: number;
      errorType?: string;
      operation?: string;
      exchange?: string;
    }): void {
      const base = { operation: options.operation ?? "none", exchange: options.exchange ?? "none" };
      const error = options.error ?? 0;
      record(GoldenSignals.LATENCY, options.seconds, { ...base, outcome: error > 0 ? "error" : "ok" });
      record(GoldenSignals.ERROR_RATE, error, { ...base, error_type: options.errorType ?? "other" });
    },
    tokens: (count: number, attributes: SignalAttributes) =>
      record(GoldenSignals.TRAFFIC, count, { ...attributes, kind: "tokens" }),
    bytes: (count: number, attributes: SignalAttributes) =>
      record(GoldenSignals.TRAFFIC, count, { ...attributes, kind: "bytes" }),
    saturation: (ratio: number, resource: string) => record(GoldenSignals.SATURATION, ratio, { resource }),
    async collect(): Promise<ResourceMetrics> {
      return source.collect();
    },
    async shutdown(): Promise<void> {
      await provider.shutdown();
      contextManager.disable();
    },
  };
}
