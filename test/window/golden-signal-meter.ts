import type { Attributes } from "@opentelemetry/api";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  INSTRUMENTATION_SCOPE,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../../src/signals/metric-definitions.js";

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/**
 * The golden-signal instruments on a plain OpenTelemetry MeterProvider (same names, units,
 * bounds and scope as the collector's store), for tests that need real cumulative snapshots.
 */
export function createGoldenSignalMeter() {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
  const latency = meter.createHistogram(LATENCY_METRIC.name, {
    unit: LATENCY_METRIC.unit,
    advice: { explicitBucketBoundaries: [...LATENCY_BOUNDS_SECONDS] },
  });
  const requests = meter.createCounter(REQUESTS_METRIC.name);
  const errors = meter.createCounter(ERRORS_METRIC.name);
  const tokens = meter.createCounter(TOKENS_METRIC.name, { unit: TOKENS_METRIC.unit });
  const bytes = meter.createCounter(EXCHANGE_SIZE_METRIC.name, { unit: EXCHANGE_SIZE_METRIC.unit });
  const saturation = meter.createGauge(SATURATION_METRIC.name, { unit: SATURATION_METRIC.unit });
  return {
    /** One completed operation, counted the way the collector does outside `trace()`. */
    operation(options: {
      seconds: number;
      error?: number;
      errorType?: string;
      operation?: string;
      exchange?: string;
    }): void {
      const base = { operation: options.operation ?? "none", exchange: options.exchange ?? "none" };
      const error = options.error ?? 0;
      const outcome = error > 0 ? "error" : "ok";
      latency.record(options.seconds, { ...base, outcome });
      requests.add(1, { ...base, outcome });
      if (error > 0) errors.add(error, { ...base, error_type: options.errorType ?? "other" });
    },
    tokens: (count: number, attributes: Attributes) => tokens.add(count, attributes),
    bytes: (count: number, attributes: Attributes) => bytes.add(count, attributes),
    saturation: (ratio: number, resource: string) => saturation.record(ratio, { resource }),
    async collect(): Promise<ResourceMetrics> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics;
    },
    shutdown: () => provider.shutdown(),
  };
}
