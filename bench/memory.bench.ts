import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { SignalAttributes } from "../src/collector/telemetry-collector.js";
import { serializePrometheusToBuffer } from "../src/exporters/prometheus/prometheus-serializer.js";
import { GoldenSignals } from "../src/signals/golden-signals.js";
import { LATENCY_BOUNDS_SECONDS } from "../src/signals/metric-definitions.js";
import { type CaseResult, type Contender, summarize } from "./lib/compare.js";
import { benchCollector, latencyLabelSets, otelInstruments, promClientMetrics } from "./lib/contenders.js";

/**
 * Steady memory per latency series: heap + array buffers after recording `count` label sets and
 * one scrape (so serializer caches are counted), minus the same process before, after full GCs,
 * divided by `count`. Each contender runs in its own fresh process (`--expose-gc`), so one's
 * garbage or caches never land in another's figure. The label-set objects passed in are made
 * before the baseline: they are the caller's, not the library's.
 */
const COUNT = 10_000;
const execFileAsync = promisify(execFile);

async function settledBytes(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("memory bench child needs --expose-gc");
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Child: measures one contender, prints bytes per series. */
async function child(who: Contender, count: number): Promise<void> {
  const sets = latencyLabelSets(count);
  const warm = latencyLabelSets(1).map((set) => ({ ...set, operation: "warm" }));
  let record: (set: (typeof sets)[number], value: number, index: number) => void;
  let scrape: () => Promise<unknown>;
  switch (who) {
    case "ours": {
      const collector = benchCollector();
      record = (set, value) => collector.recordSignal(GoldenSignals.LATENCY, value, set as SignalAttributes);
      scrape = async () => serializePrometheusToBuffer(await collector.collect()).length;
      break;
    }
    case "promClient": {
      const prom = promClientMetrics(["operation", "exchange", "outcome"]);
      record = (set, value) => prom.latency.observe(set as Record<string, string>, value);
      scrape = async () => (await prom.registry.metrics()).length;
      break;
    }
    case "otel": {
      const otel = otelInstruments();
      record = (set, value) => otel.latency.record(value, set);
      scrape = async () => (await otel.reader.snapshot()).scopeMetrics.length;
      break;
    }
    default: {
      // Floor: the slab of numbers (sized once) and one flat encoded label string per series.
      const stride = LATENCY_BOUNDS_SECONDS.length + 3;
      let data: Float64Array | undefined;
      const labels: string[] = [];
      record = (set, _value, index) => {
        if (index >= count) return; // the warm-up series: the floor has no per-metric state
        data ??= new Float64Array(count * stride);
        if (labels[index] === undefined) {
          const text = `operation="${set.operation}",exchange="${set.exchange}",outcome="${set.outcome}"`;
          labels[index] = Buffer.from(text, "latin1").toString("latin1");
        }
        data[index * stride]! += 1;
      };
      scrape = async () => labels.length;
    }
  }
  // Warm code paths and per-metric state with one series outside the measured ones.
  for (const set of warm) record(set, 0.1, count);
  await scrape();
  const before = await settledBytes();
  for (let i = 0; i < count; i++) record(sets[i]!, 0.245, i);
  for (let i = 0; i < count; i++) record(sets[i]!, 2.5, i);
  await scrape();
  const after = await settledBytes();
  // Used after the measure: otherwise V8 may free the contender before it (its last use is above).
  await scrape();
  process.stdout.write(`${(after - before) / count}\n`);
}

/** Runs each contender `rounds` times, each in a fresh child process; bytes per series. */
export async function runMemoryBench(options: { rounds?: number } = {}): Promise<CaseResult[]> {
  const rounds = options.rounds ?? 2;
  const samples = new Map<Contender, number[]>();
  const file = fileURLToPath(import.meta.url);
  for (let round = 0; round < rounds; round++) {
    for (const who of ["ours", "promClient", "otel", "floor"] as const) {
      const { stdout } = await execFileAsync(
        process.execPath,
        ["--expose-gc", "--import", "tsx", file, "--child", who, String(COUNT)],
        { timeout: 120_000 },
      );
      const list = samples.get(who) ?? [];
      list.push(Number(stdout.trim()));
      samples.set(who, list);
    }
  }
  return [summarize(`steady memory per latency series, ${COUNT} sets (bytes)`, samples)];
}

if (process.argv[2] === "--child") {
  await child(process.argv[3] as Contender, Number(process.argv[4]));
}
