import type { Attributes } from "@opentelemetry/api";
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { EXCHANGES } from "../../src/signals/label-values.js";
import {
  EXCHANGE_SIZE_METRIC,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../../src/signals/metric-definitions.js";

/** Largest label-set count any bench uses, so no contender falls into an overflow series. */
export const BENCH_CARDINALITY_LIMIT = 50_000;

/** A collector with no exporter, probes or runtime metrics: only the hot path under test. */
export function benchCollector(
  options: { tracing?: boolean; nativeHistograms?: boolean } = {},
): TelemetryCollector {
  return new TelemetryCollector({
    serviceName: "bench",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    tracing: options.tracing ?? false,
    nativeHistograms: options.nativeHistograms ?? false,
    cardinalityLimit: BENCH_CARDINALITY_LIMIT,
  });
}

/** A reader that collects on demand (cumulative), as a Prometheus exporter's would. */
export class OnDemandReader extends MetricReader {
  constructor() {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
      cardinalitySelector: () => BENCH_CARDINALITY_LIMIT,
    });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
  /** The cumulative snapshot. */
  async snapshot(): Promise<ResourceMetrics> {
    return (await this.collect()).resourceMetrics;
  }
}

/** The golden-signal instruments built with plain `@opentelemetry/sdk-metrics`. */
export function otelInstruments() {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter("bench");
  return {
    reader,
    latency: meter.createHistogram(LATENCY_METRIC.name, {
      unit: LATENCY_METRIC.unit,
      advice: { explicitBucketBoundaries: [...LATENCY_BOUNDS_SECONDS] },
    }),
    requests: meter.createCounter(REQUESTS_METRIC.name),
    exchangeSize: meter.createCounter(EXCHANGE_SIZE_METRIC.name, { unit: EXCHANGE_SIZE_METRIC.unit }),
    tokens: meter.createCounter(TOKENS_METRIC.name, { unit: TOKENS_METRIC.unit }),
    saturation: meter.createGauge(SATURATION_METRIC.name, { unit: SATURATION_METRIC.unit }),
  };
}

/** Prometheus family name of a frozen metric definition without its `_total` suffix. */
function counterName(promName: string): string {
  return promName.endsWith("_total") ? promName.slice(0, -6) : promName;
}

/** The golden-signal metrics built with prom-client, in their own registry, with `labelNames`. */
export function promClientMetrics(labelNames: readonly string[], options: { openMetrics?: boolean } = {}) {
  // prom-client picks the exposition format per registry (its typings omit the constructor argument).
  const registry = options.openMetrics
    ? new (Registry as unknown as new (contentType: string) => Registry)(Registry.OPENMETRICS_CONTENT_TYPE)
    : new Registry();
  const registers = [registry];
  const names = [...labelNames];
  return {
    registry,
    latency: new Histogram({
      name: LATENCY_METRIC.promName,
      help: LATENCY_METRIC.description,
      buckets: [...LATENCY_BOUNDS_SECONDS],
      labelNames: names,
      registers,
    }),
    requests: new Counter({
      name: counterName(REQUESTS_METRIC.promName),
      help: REQUESTS_METRIC.description,
      labelNames: names,
      registers,
    }),
    exchangeSize: new Counter({
      name: counterName(EXCHANGE_SIZE_METRIC.promName),
      help: EXCHANGE_SIZE_METRIC.description,
      labelNames: names,
      registers,
    }),
    tokens: new Counter({
      name: counterName(TOKENS_METRIC.promName),
      help: TOKENS_METRIC.description,
      labelNames: names,
      registers,
    }),
    saturation: new Gauge({
      name: SATURATION_METRIC.promName,
      help: SATURATION_METRIC.description,
      labelNames: names,
      registers,
    }),
  };
}

/**
 * `count` distinct latency label sets (`operation`, `exchange`, `outcome`): operations `op_0..`,
 * each with the 2 exchanges and 2 outcomes of a real service (4 series per operation).
 */
export function latencyLabelSets(count: number): Attributes[] {
  const sets: Attributes[] = [];
  for (let i = 0; i < count; i++) {
    sets.push({
      operation: `op_${i >> 2}`,
      exchange: EXCHANGES[i & 1]!,
      outcome: (i & 2) === 0 ? "ok" : "error",
    });
  }
  return sets;
}

/** A pre-resolved typed-array histogram: the floor any store pays to record (search + 4 stores). */
export class FloorHistogram {
  private readonly data: Float64Array;
  private readonly bounds = Float64Array.from(LATENCY_BOUNDS_SECONDS);
  private readonly stride = LATENCY_BOUNDS_SECONDS.length + 3;

  constructor(series: number) {
    this.data = new Float64Array(series * this.stride);
  }

  /** Records `value` into series `index`. */
  record(index: number, value: number): void {
    const bounds = this.bounds;
    const n = bounds.length;
    const o = index * this.stride;
    let i = 0;
    while (i < n && value > bounds[i]!) i++;
    this.data[o + i]!++;
    this.data[o + n + 1]! += value;
    this.data[o + n + 2]!++;
  }
}
