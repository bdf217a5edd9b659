import type { SignalAttributes } from "../src/collector/telemetry-collector.js";
import type { SignalHandle } from "../src/recording/signal-handle.js";
import { GoldenSignals } from "../src/signals/golden-signals.js";
import { type BenchCase, type CaseResult, compareCases } from "./lib/compare.js";
import { benchCollector, FloorHistogram, latencyLabelSets, promClientMetrics } from "./lib/contenders.js";

/**
 * A pre-resolved series handle (`collector.series(signal, attrs).record(v)`) beside prom-client's
 * `labels()` child and the floor. OpenTelemetry JS has no bound instruments: no column.
 */
function latencyHandleCase(count: number): BenchCase {
  const sets = latencyLabelSets(count);
  const collector = benchCollector();
  const handles: SignalHandle[] = sets.map((set) =>
    collector.series(GoldenSignals.LATENCY, set as SignalAttributes),
  );
  const prom = promClientMetrics(["operation", "exchange", "outcome"]);
  const children = sets.map((set) => prom.latency.labels(set as Record<string, string>));
  const floor = new FloorHistogram(count);
  let i = 0;
  let j = 0;
  let f = 0;
  return {
    name: `series handle latency, ${count} ${count === 1 ? "set" : "sets"}`,
    ours: () => {
      handles[i]!.record(0.245);
      if (++i === count) i = 0;
    },
    promClient: () => {
      children[j]!.observe(0.245);
      if (++j === count) j = 0;
    },
    floor: () => {
      floor.record(f, 0.245);
      if (++f === count) f = 0;
    },
  };
}

function trafficHandleCase(count: number): BenchCase {
  const sets = latencyLabelSets(count).map(({ operation, exchange }) => ({ operation, exchange }));
  const collector = benchCollector();
  const handles = sets.map((set) => collector.series(GoldenSignals.TRAFFIC, set as SignalAttributes));
  const prom = promClientMetrics(["operation", "exchange"]);
  const children = sets.map((set) => prom.exchangeSize.labels(set as Record<string, string>));
  const floor = new Float64Array(count);
  let i = 0;
  let j = 0;
  let f = 0;
  return {
    name: `series handle traffic, ${count} ${count === 1 ? "set" : "sets"}`,
    ours: () => {
      handles[i]!.record(1024);
      if (++i === count) i = 0;
    },
    promClient: () => {
      children[j]!.inc(1024);
      if (++j === count) j = 0;
    },
    floor: () => {
      floor[f]! += 1024;
      if (++f === count) f = 0;
    },
  };
}

/** Runs the series-handle section: latency and traffic handles at 1, 100 and 10,000 label sets. */
export async function runHandleBench(options: { rounds?: number } = {}): Promise<CaseResult[]> {
  const cases: BenchCase[] = [];
  for (const count of [1, 100, 10_000]) cases.push(latencyHandleCase(count), trafficHandleCase(count));
  return compareCases(cases, { rounds: options.rounds ?? 5 });
}
