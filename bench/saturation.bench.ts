import { setTimeout as delay } from "node:timers/promises";
import type { SignalAttributes } from "../src/collector/telemetry-collector.js";
import { TelemetryCollector } from "../src/collector/telemetry-collector.js";
import { GoldenSignals } from "../src/signals/golden-signals.js";
import { median } from "./lib/compare.js";
import { latencyLabelSets } from "./lib/contenders.js";

/**
 * Background cost of a started collector: the saturation probes (default: every 1 s), the window
 * store (default: a snapshot every 2 s) and the runtime metrics, as a share of one core.
 *
 * A share of 0.5% is 5 ms of CPU per second: too small to see over a noisy idle process at the
 * default intervals, so the probes and the window run 100x faster (10 ms, 20 ms) and the CPU time
 * over an idle baseline is divided by 100. Runtime metrics have no interval of their own (the
 * event-loop delay monitor samples on its own timer), so they run at their default.
 * CPU time is `process.cpuUsage()` (all threads, user + system) over a fixed window.
 */
const WINDOW_MS = 2_000;
const AMPLIFICATION = 100;

/** One measured background configuration. */
export interface BackgroundCost {
  readonly name: string;
  /** Share of one core at the default interval, in percent (median over rounds). */
  readonly corePercent: number;
  /** CPU per tick at the default interval, in microseconds. */
  readonly microsPerTick?: number;
}

type Config = {
  name: string;
  ticksPerSecond?: number;
  options: ConstructorParameters<typeof TelemetryCollector>[0];
};

const CONFIGS: readonly Config[] = [
  { name: "idle baseline", options: { saturation: false, window: false, runtimeMetrics: false } },
  {
    name: "saturation probes (cpu, memory, event_loop, io), 1 s interval",
    ticksPerSecond: 1,
    options: { saturation: { intervalMs: 1000 / AMPLIFICATION }, window: false, runtimeMetrics: false },
  },
  {
    name: "window store, 2 s interval, 100 label sets",
    ticksPerSecond: 0.5,
    options: { saturation: false, window: { intervalMs: 2000 / AMPLIFICATION }, runtimeMetrics: false },
  },
  {
    name: "runtime metrics (event-loop delay monitor, GC observer)",
    options: { saturation: false, window: false, runtimeMetrics: true },
  },
];

async function cpuMillis(config: Config): Promise<number> {
  const collector = new TelemetryCollector({ serviceName: "bench", exporter: "none", ...config.options });
  for (const set of latencyLabelSets(100)) {
    collector.recordSignal(GoldenSignals.LATENCY, 0.245, set as SignalAttributes);
    collector.recordSignal(GoldenSignals.ERROR_RATE, 0, set as SignalAttributes);
  }
  await collector.start();
  const before = process.cpuUsage();
  await delay(WINDOW_MS);
  const used = process.cpuUsage(before);
  await collector.shutdown();
  return (used.user + used.system) / 1000;
}

/** Runs the background-cost section. */
export async function runSaturationBench(options: { rounds?: number } = {}): Promise<BackgroundCost[]> {
  const rounds = options.rounds ?? 3;
  const samples = CONFIGS.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < CONFIGS.length; k++) {
      const c = (k + round) % CONFIGS.length;
      samples[c]!.push(await cpuMillis(CONFIGS[c]!));
    }
  }
  const baseline = median(samples[0]!);
  const results: BackgroundCost[] = [];
  for (let c = 1; c < CONFIGS.length; c++) {
    const config = CONFIGS[c]!;
    const extraMs = Math.max(0, median(samples[c]!) - baseline);
    const amplified = config.ticksPerSecond !== undefined;
    const sharePerWindow = extraMs / WINDOW_MS / (amplified ? AMPLIFICATION : 1);
    const result: BackgroundCost = { name: config.name, corePercent: sharePerWindow * 100 };
    if (amplified) {
      const ticks = (WINDOW_MS / 1000) * config.ticksPerSecond! * AMPLIFICATION;
      results.push({ ...result, microsPerTick: (extraMs * 1000) / ticks });
    } else {
      results.push(result);
    }
  }
  return results;
}
