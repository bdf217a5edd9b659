import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { SignalAttributes } from "../src/collector/telemetry-collector.js";
import { PageBufferPool } from "../src/exporters/prometheus/page-buffer-pool.js";
import { serializePrometheusToBuffer } from "../src/exporters/prometheus/prometheus-serializer.js";
import { GoldenSignals } from "../src/signals/golden-signals.js";
import { benchCollector, latencyLabelSets } from "./lib/contenders.js";
import { FloorHistogramSerializer } from "./lib/floor-serializer.js";

/**
 * Instructions per `/metrics` at 10,000 latency label sets, counted by valgrind (callgrind), for
 * before/after comparisons of the serializer on a machine too busy for wall-clock figures
 * (2 cores shared by several jobs: `npm run bench -- serialize` ratios moved 1.5x-7.5x between
 * two runs at load average 8).
 *
 *   npx tsx bench/serialize-instructions.ts            prints instructions per call, ours and floor
 *
 * Each contender runs in a process of its own under `valgrind --tool=callgrind`, twice: with
 * `LOW` and with `HIGH` calls after the same warm-up. The difference divided by `HIGH - LOW` is
 * the steady-state cost of one call: set-up, JIT warm-up and exit cancel out. Every call is
 * preceded by a full GC, so that each contender pays for its own garbage and only its own, at the
 * same point of every call (without it, where major GCs fell moved the counts by 20-30% between
 * runs). Counts are instructions, not time (cache misses and page faults weigh differently), but
 * they do not move with the neighbours' load. `--contenders=ours,floor,collect,serialize`.
 */

const SETS = 10_000;
const WARMUP = 8;
const LOW = 4;
const HIGH = 16;
const VALUES = [0.004, 0.02, 0.07, 0.245, 0.9, 2.5, 11, 45];

type Contender = "ours" | "serialize" | "collect" | "floor";

const { values } = parseArgs({
  options: {
    child: { type: "string" },
    calls: { type: "string" },
    format: { type: "string", default: "text" },
    contenders: { type: "string", default: "ours,floor" },
  },
});

if (values.child !== undefined) {
  await runChild(values.child as Contender, Number(values.calls), values.format as "text" | "openmetrics");
} else {
  const format = values.format as "text" | "openmetrics";
  const load = loadavg()[0]!.toFixed(2);
  const rows: string[] = [];
  const counts: Partial<Record<Contender, number>> = {};
  for (const contender of values.contenders!.split(",") as Contender[]) {
    const low = instructions(contender, LOW, format);
    const high = instructions(contender, HIGH, format);
    counts[contender] = (high - low) / (HIGH - LOW);
    rows.push(`| ${contender} | ${(counts[contender]! / 1e6).toFixed(1)} M |`);
  }
  const ratio = counts.ours! / counts.floor!;
  process.stdout.write(
    `Instructions per call, ${SETS} latency label sets, ${format} (load average ${load} at start)\n\n` +
      `| contender | instructions |\n|---|---:|\n${rows.join("\n")}\n\nours / floor: ${ratio.toFixed(2)}x\n`,
  );
}

/** Total instructions of one child run under callgrind. */
function instructions(contender: Contender, calls: number, format: string): number {
  const script = fileURLToPath(import.meta.url);

  const result = spawnSync(
    "valgrind",
    [
      "--tool=callgrind",
      "--callgrind-out-file=/dev/null",
      process.execPath,
      "--import",
      "tsx",
      script,
      `--child=${contender}`,
      `--calls=${calls}`,
      `--format=${format}`,
    ],
    { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: 1_800_000 },
  );
  const match = /Collected : (\d+)/.exec(result.stderr);
  if (!match)
    throw new Error(`callgrind gave no count (status ${result.status}): ${result.stderr.slice(-2000)}`);
  return Number(match[1]);
}

async function runChild(contender: Contender, calls: number, format: "text" | "openmetrics") {
  const collector = benchCollector();
  for (const set of latencyLabelSets(SETS)) {
    for (const value of VALUES) collector.recordSignal(GoldenSignals.LATENCY, value, set as SignalAttributes);
  }
  const snapshot: ResourceMetrics = await collector.collect();
  const floor = new FloorHistogramSerializer("zoran_latency_seconds", collector.store.latency);
  const pool = new PageBufferPool();
  const work: Record<Contender, () => unknown> = {
    ours: async () => {
      const page = serializePrometheusToBuffer(await collector.collect(), { format, pool });
      pool.release(page);
      return page;
    },
    collect: () => collector.collect(),
    serialize: () => serializePrometheusToBuffer(snapshot, { format }),
    floor: () => floor.serialize(),
  };
  const run = work[contender];
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  let bytes = 0;
  for (let i = 0; i < WARMUP + calls; i++) {
    gc();
    const out = await run();
    if (Buffer.isBuffer(out)) bytes += out.length;
  }
  if (bytes < 0) console.log(bytes);
  await collector.shutdown();
}
