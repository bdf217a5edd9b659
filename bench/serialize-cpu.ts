import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { PageBufferPool } from "../src/exporters/prometheus/page-buffer-pool.js";
import { serializePrometheusToBuffer } from "../src/exporters/prometheus/prometheus-serializer.js";
import type { SignalAttributes } from "../src/recording/signal-attributes.js";
import { GoldenSignals } from "../src/signals/golden-signals.js";
import { benchCollector, latencyLabelSets } from "./lib/contenders.js";
import { FloorHistogramSerializer } from "./lib/floor-serializer.js";

/**
 * `/metrics` at 10,000 latency label sets against the floor serializer, in CPU time per call
 * (`process.cpuUsage`, user + system), for a machine whose wall clock is shared with other jobs:
 * time spent waiting for a core is not counted, page faults and GC are. Ours and the floor in
 * alternation, a full GC before every call so that each pays for its own garbage only.
 *
 *   npx tsx bench/serialize-cpu.ts [--rounds 25]
 */

const SETS = 10_000;
const VALUES = [0.004, 0.02, 0.07, 0.245, 0.9, 2.5, 11, 45];

const { values } = parseArgs({ options: { rounds: { type: "string", default: "25" } } });
const rounds = Number(values.rounds);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function cpuMs(work: () => unknown): Promise<number> {
  gc();
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

const collector = benchCollector();
for (const set of latencyLabelSets(SETS)) {
  for (const value of VALUES) collector.recordSignal(GoldenSignals.LATENCY, value, set as SignalAttributes);
}
const floor = new FloorHistogramSerializer("zoran_latency_seconds", collector.store.latency.series);
const pool = new PageBufferPool();
const loadBefore = loadavg()[0]!;
const lines: string[] = [];
for (const format of ["text", "openmetrics"] as const) {
  // What a scrape costs: the collection and the page, into the route's pool of page buffers.
  const ours = async () => {
    const page = serializePrometheusToBuffer(await collector.collect(), { format, pool });
    pool.release(page);
  };
  for (let i = 0; i < 5; i++) {
    await ours();
    floor.serialize();
  }
  const samples = { ours: [] as number[], floor: [] as number[], ratio: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const a = await cpuMs(ours);
    const b = await cpuMs(() => floor.serialize());
    samples.ours.push(a);
    samples.floor.push(b);
    samples.ratio.push(a / b);
  }
  lines.push(
    `| ${format} | ${median(samples.ours).toFixed(1)} | ${median(samples.floor).toFixed(1)} | ${median(samples.ratio).toFixed(2)}x |`,
  );
}
process.stdout.write(
  `/metrics at ${SETS} latency label sets, CPU ms per call, medians of ${rounds} alternating rounds (load average ${loadBefore.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)})\n\n| format | ours (store to bytes) | floor | ours / floor |\n|---|---:|---:|---:|\n${lines.join("\n")}\n`,
);
await collector.shutdown();
