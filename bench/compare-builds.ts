import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { measure } from "mitata";
import { FloorHistogram, promClientMetrics } from "./lib/contenders.js";

/**
 * Two builds of the library in one process, interleaved: the record, handle and trace hot paths
 * of a "before" tree and an "after" tree (each a checkout with `src/` and `bench/`), beside
 * prom-client, OpenTelemetry's span and the floor, then memory per series of each tree (its own
 * `bench/memory.bench.ts` child). Medians of per-round mitata p50s; for before/after decisions on
 * a shared machine, where one build measured alone an hour apart says little.
 *
 *   git worktree add /tmp/before <commit>
 *   npx tsx bench/compare-builds.ts /tmp/before .          [--rounds 7]
 */
const args = process.argv.slice(2);
const roundsFlag = args.indexOf("--rounds");
const rounds = roundsFlag >= 0 ? Number(args[roundsFlag + 1]) : 7;
const [beforeRoot, afterRoot] =
  roundsFlag < 0 ? args : args.filter((_, i) => i !== roundsFlag && i !== roundsFlag + 1);
if (beforeRoot === undefined || afterRoot === undefined) {
  process.stderr.write("usage: tsx bench/compare-builds.ts <before-root> <after-root> [--rounds n]\n");
  process.exit(2);
}

type Collector = {
  recordSignal(signal: string, value: number, attributes?: object): void;
  series(signal: string, attributes?: object): { record(value: number): void };
  trace<T>(name: string, fn: () => T): T;
};
type CollectorClass = new (options: object) => Collector;

async function collectorClass(root: string): Promise<CollectorClass> {
  const file = pathToFileURL(resolve(root, "src/collector/telemetry-collector.ts")).href;
  return ((await import(file)) as { TelemetryCollector: CollectorClass }).TelemetryCollector;
}

const options = (tracing: boolean) => ({
  serviceName: "bench",
  exporter: "none",
  saturation: false,
  runtimeMetrics: false,
  tracing,
  cardinalityLimit: 50_000,
});
const set = { operation: "op_0", exchange: "ai_ai" };
const noop = () => 1;

function casesOf(label: string, Class: CollectorClass): Record<string, () => unknown> {
  const untraced = new Class(options(false));
  const traced = new Class(options(true));
  // Each collector's context storage in use, as in an application that runs trace().
  untraced.trace("warm-up", noop);
  const handle = untraced.series("latency", { ...set, outcome: "ok" });
  return {
    [`${label}: recordSignal latency, 2 attributes, 1 set`]: () =>
      untraced.recordSignal("latency", 0.245, set),
    [`${label}: recordSignal traffic, 2 attributes, 1 set`]: () =>
      untraced.recordSignal("traffic", 1024, set),
    [`${label}: series handle latency, 1 set`]: () => handle.record(0.245),
    [`${label}: trace() sync, tracing off`]: () => untraced.trace("injection_4champs", noop),
    [`${label}: trace() sync with 2 recordSignal inside, tracing on`]: () =>
      traced.trace("injection_4champs", () => {
        traced.recordSignal("latency", 0.245);
        traced.recordSignal("traffic", 1024);
      }),
  };
}

const prom = promClientMetrics(["operation", "exchange"]);
const floor = new FloorHistogram(1);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = new TracerProvider().getTracer("bench");
const cases: Record<string, () => unknown> = {
  ...casesOf("before", await collectorClass(beforeRoot)),
  ...casesOf("after", await collectorClass(afterRoot)),
  "prom-client: histogram observe, 2 labels": () => prom.latency.observe(set, 0.245),
  "prom-client: counter inc, 2 labels": () => prom.exchangeSize.inc(set, 1024),
  "floor: histogram record": () => floor.record(0, 0.245),
  "OpenTelemetry: startActiveSpan + end": () =>
    tracer.startActiveSpan("injection_4champs", (span) => {
      span.end();
    }),
};

const names = Object.keys(cases);
const samples = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length]!;
    const stats = await measure(cases[name]!, { min_cpu_time: 25e6, max_samples: 1e9 });
    samples.set(name, [...(samples.get(name) ?? []), stats.p50]);
  }
}
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
process.stdout.write("| case (ns/op, median of per-round p50) | median | min |\n|---|---:|---:|\n");
for (const name of names) {
  const values = samples.get(name)!;
  process.stdout.write(`| ${name} | ${median(values).toFixed(1)} | ${Math.min(...values).toFixed(1)} |\n`);
}

const execFileAsync = promisify(execFile);
process.stdout.write(
  "\n| steady memory per latency series, 10000 sets (bytes) | run 1 | run 2 |\n|---|---:|---:|\n",
);
for (const [label, root] of [
  ["before", beforeRoot],
  ["after", afterRoot],
] as const) {
  const runs: string[] = [];
  for (let run = 0; run < 2; run++) {
    const { stdout } = await execFileAsync(
      process.execPath,
      ["--expose-gc", "--import", "tsx", resolve(root, "bench/memory.bench.ts"), "--child", "ours", "10000"],
      { timeout: 120_000 },
    );
    runs.push(Number(stdout.trim()).toFixed(0));
  }
  process.stdout.write(`| ${label} | ${runs.join(" | ")} |\n`);
}
