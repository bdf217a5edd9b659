import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { SignalAttributes } from "../src/collector/telemetry-collector.js";
import { PageBufferPool } from "../src/exporters/prometheus/page-buffer-pool.js";
import {
  serializePrometheus,
  serializePrometheusToBuffer,
} from "../src/exporters/prometheus/prometheus-serializer.js";
import { GoldenSignals } from "../src/signals/golden-signals.js";
import { type CaseResult, compareSlowCases, type SlowCase } from "./lib/compare.js";
import { benchCollector, latencyLabelSets, otelInstruments, promClientMetrics } from "./lib/contenders.js";
import { FloorHistogramSerializer } from "./lib/floor-serializer.js";

/** Label-set counts of the serialization and collection sections. */
export const SERIES_COUNTS: readonly number[] = [1, 100, 1_000, 10_000];

/** Values spread over the buckets, so every `le` line carries a real count. */
const VALUES = [0.004, 0.02, 0.07, 0.245, 0.9, 2.5, 11, 45];

/**
 * The same `count` latency label sets recorded into our store, prom-client and the OpenTelemetry
 * SDK, 8 observations per set.
 */
export function populatedContenders(count: number, options: { openMetrics?: boolean } = {}) {
  const sets = latencyLabelSets(count);
  const collector = benchCollector();
  const prom = promClientMetrics(["operation", "exchange", "outcome"], options);
  const otel = otelInstruments();
  for (const set of sets) {
    for (const value of VALUES) {
      collector.recordSignal(GoldenSignals.LATENCY, value, set as SignalAttributes);
      prom.latency.observe(set as Record<string, string>, value);
      otel.latency.record(value, set);
    }
  }
  return { collector, prom, otel };
}

/**
 * Serialization at 1 to 10,000 latency label sets, text 0.0.4 and OpenMetrics, in ms:
 * - "serialize": our pure serializer on a snapshot taken beforehand;
 * - "/metrics": store to bytes, what a scrape costs (collect + `serializePrometheusToBuffer` into
 *   the route's pool of recent page buffers, released as the route does once written),
 *   beside prom-client's `registry.metrics()` + UTF-8 encode, and the OpenTelemetry SDK's collection
 *   alone (a lower bound: `@opentelemetry/exporter-prometheus` is not installed here), and the
 *   floor (pre-encoded prefixes, numbers into one reused Buffer).
 */
export async function serializeCases(): Promise<SlowCase[]> {
  const cases: SlowCase[] = [];
  for (const openMetrics of [false, true]) {
    const format = openMetrics ? "openmetrics" : "text";
    for (const count of SERIES_COUNTS) {
      const { collector, prom, otel } = populatedContenders(count, { openMetrics });
      const snapshot: ResourceMetrics = await collector.collect();
      const floor = new FloorHistogramSerializer("zoran_latency_seconds", collector.store.latency);
      const pool = new PageBufferPool();
      const sets = count === 1 ? "set" : "sets";
      cases.push({
        name: `serialize ${format}, ${count} ${sets} (snapshot to string)`,
        ours: () => serializePrometheus(snapshot, { format }),
      });
      cases.push({
        name: `/metrics ${format}, ${count} ${sets} (to bytes)`,
        // prom-client takes seconds at 10,000 sets: one timed call per round keeps the suite short.
        calls: count >= 10_000 ? 1 : 3,
        ours: async () => {
          const page = serializePrometheusToBuffer(await collector.collect(), { format, pool });
          pool.release(page);
          return page.length;
        },
        promClient: async () => Buffer.from(await prom.registry.metrics()),
        otel: () => otel.reader.snapshot(),
        floor: () => floor.serialize(),
      });
    }
  }
  return cases;
}

/** Runs the serialization section. */
export async function runSerializeBench(options: { rounds?: number } = {}): Promise<CaseResult[]> {
  // A full GC before each contender: prom-client's garbage is otherwise paid by the next one
  // (bench/lib/compare.ts has the measurement).
  return compareSlowCases(await serializeCases(), {
    rounds: options.rounds ?? 3,
    callsPerRound: 3,
    gcBetweenContenders: true,
  });
}
