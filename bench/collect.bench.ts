import { type CaseResult, compareSlowCases, type SlowCase } from "./lib/compare.js";
import { populatedContenders, SERIES_COUNTS } from "./serialize.bench.js";

/**
 * Collection: the cumulative snapshot every exporter reads, at 1 to 10,000 latency label sets,
 * in ms. Ours is `collector.collect()` (the store as a MetricProducer behind an SDK MetricReader);
 * OpenTelemetry's is its MetricReader's `collect()`; prom-client's is `getMetricsAsJSON()`,
 * its own snapshot of every metric.
 */
export function collectCases(): SlowCase[] {
  return SERIES_COUNTS.map((count) => {
    const { collector, prom, otel } = populatedContenders(count);
    return {
      name: `collect, ${count} ${count === 1 ? "set" : "sets"}`,
      calls: count >= 10_000 ? 1 : 3,
      ours: () => collector.collect(),
      promClient: () => prom.registry.getMetricsAsJSON(),
      otel: () => otel.reader.snapshot(),
    };
  });
}

/** Runs the collection section. */
export async function runCollectBench(options: { rounds?: number } = {}): Promise<CaseResult[]> {
  return compareSlowCases(collectCases(), { rounds: options.rounds ?? 3, callsPerRound: 3 });
}
