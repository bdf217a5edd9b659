/**
 * The deterministic workload each cluster test worker records: counts the test can add up
 * exactly, with the same calls a service makes (`recordSignal` outside `trace()` and inside it).
 */
import { GoldenSignals, type TelemetryCollector } from "../../src/index.js";

/** Latencies cycled through, in seconds: several buckets, exact binary fractions for the sums. */
const LATENCIES_SECONDS = [0.0078125, 0.0625, 0.125, 0.25, 0.5, 1.5] as const;

/** Operations recorded by worker `index` (1-based) in its first batch. */
export function operationsOf(index: number): number {
  return 10 * index + 5;
}

/** Saturation value worker `index` sets for resource `queue`. */
export function queueSaturationOf(index: number): number {
  return index / 10;
}

/**
 * Records `operations` operations of worker `index`: every fourth fails (`timeout`), each carries
 * 100 input tokens and 1,000 + index bytes out; the `queue` saturation is set to index / 10.
 * Every other operation runs inside `trace()`, the others are explicit `ERROR_RATE` records.
 */
export async function recordKnownWorkload(
  collector: TelemetryCollector,
  index: number,
  operations = operationsOf(index),
): Promise<void> {
  for (let i = 0; i < operations; i++) {
    const latency = LATENCIES_SECONDS[i % LATENCIES_SECONDS.length]!;
    const failed = i % 4 === 0;
    if (i % 2 === 0) {
      await collector.trace(
        "known_op",
        async () => {
          collector.recordSignal(GoldenSignals.LATENCY, latency);
          collector.recordSignal(GoldenSignals.ERROR_RATE, failed ? 1 : 0, { error_type: "timeout" });
          collector.recordSignal(GoldenSignals.TRAFFIC, 100, { kind: "tokens", direction: "input" });
          collector.recordSignal(GoldenSignals.TRAFFIC, 1000 + index, { direction: "output" });
        },
        { exchange: "ai_ai" },
      );
    } else {
      const attributes = { operation: "known_op", exchange: "ai_ai" } as const;
      collector.recordSignal(GoldenSignals.LATENCY, latency, {
        ...attributes,
        outcome: failed ? "error" : "ok",
      });
      collector.recordSignal(GoldenSignals.ERROR_RATE, failed ? 1 : 0, {
        ...attributes,
        error_type: "timeout",
      });
      collector.recordSignal(GoldenSignals.TRAFFIC, 100, {
        ...attributes,
        kind: "tokens",
        direction: "input",
      });
      collector.recordSignal(GoldenSignals.TRAFFIC, 1000 + index, { ...attributes, direction: "output" });
    }
  }
  collector.recordSignal(GoldenSignals.SATURATION, queueSaturationOf(index), { resource: "queue" });
}
