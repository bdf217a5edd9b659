/**
 * One `/metrics` for a cluster: a primary process starts 4 workers (node:cluster processes, then
 * worker threads), each recording a known workload into its own collector; one scrape of the
 * primary must return exactly what a single process recording all four workloads returns, pass
 * `promtool check metrics`, and keep a killed worker's counts in every later scrape.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKER_ATTRIBUTE } from "../../src/cluster/merge-snapshots.js";
import { TelemetryCollector } from "../../src/index.js";
import {
  CLUSTER_WORKER_EXITS_METRIC,
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { operationsOf, queueSaturationOf, recordKnownWorkload } from "../cluster/known-workload.js";
import { parseSamples, type Sample, samplesOf, sumOf } from "../helpers/prometheus-samples.js";
import { requireBinary } from "../helpers/require-binary.js";

const promtool = requireBinary("promtool");
const REPO = join(import.meta.dirname, "..", "..");
const WORKERS = 4;
const SUMMED_SAMPLES = [
  REQUESTS_METRIC.promName,
  ERRORS_METRIC.promName,
  TOKENS_METRIC.promName,
  EXCHANGE_SIZE_METRIC.promName,
  `${LATENCY_METRIC.promName}_bucket`,
  `${LATENCY_METRIC.promName}_sum`,
  `${LATENCY_METRIC.promName}_count`,
];

/** The page a single process that recorded the given workloads (worker index, operations) serves. */
async function singleProcessPage(
  workloads: readonly [index: number, operations?: number][],
): Promise<string> {
  const collector = new TelemetryCollector({
    serviceName: "cluster-test",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
  });
  for (const [index, operations] of workloads) await recordKnownWorkload(collector, index, operations);
  const page = await collector.export("prometheus");
  await collector.shutdown();
  return page;
}

/** `name{labels}` -> value, for the summed families only. */
function summed(page: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const sample of parseSamples(page)) {
    if (!SUMMED_SAMPLES.includes(sample.name)) continue;
    const labels = Object.entries(sample.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${v}"`);
    out.set(`${sample.name}{${labels.join(",")}}`, sample.value);
  }
  return out;
}

function queueGauges(page: string): Sample[] {
  return samplesOf(page, SATURATION_METRIC.promName, { resource: "queue" });
}

/** The test's handle on the primary process: its stdout events and its stdin commands. */
interface Primary {
  readonly child: ChildProcess;
  url: string;
  next(): Promise<Record<string, unknown>>;
  command(line: string): Promise<Record<string, unknown>>;
}

async function startPrimary(mode: "cluster" | "threads"): Promise<Primary> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/cluster/cluster-primary.ts", mode, String(WORKERS)],
    { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no event from the ${mode} primary: ${stderr}`)), 90_000);
    });
    try {
      const line = await Promise.race([lines.next(), timeout]);
      if (line.done) throw new Error(`the ${mode} primary exited: ${stderr}`);
      return JSON.parse(line.value) as Record<string, unknown>;
    } finally {
      clearTimeout(timer);
    }
  };
  const primary: Primary = {
    child,
    url: "",
    next,
    async command(line) {
      child.stdin!.write(`${line}\n`);
      return next();
    },
  };
  primary.url = String((await next()).url);
  return primary;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe.each(["cluster", "threads"] as const)("one /metrics for %s workers", (mode) => {
  let primary: Primary | undefined;
  let firstPage = "";

  beforeAll(async () => {
    primary = await startPrimary(mode);
    firstPage = await scrape(primary.url);
  }, 120_000);

  afterAll(async () => {
    const child = primary?.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  });

  it("returns in one scrape exactly what one process recording the four workloads would", async () => {
    const expected = summed(await singleProcessPage([[1], [2], [3], [4]]));
    expect(expected.size).toBeGreaterThan(20);
    expect(summed(firstPage)).toEqual(expected);
    // The same, spelled out: 15 + 25 + 35 + 45 operations, one in four failed.
    expect(sumOf(firstPage, REQUESTS_METRIC.promName)).toBe(120);
    const failed = [1, 2, 3, 4].reduce((total, i) => total + Math.ceil(operationsOf(i) / 4), 0);
    expect(sumOf(firstPage, ERRORS_METRIC.promName, { error_type: "timeout" })).toBe(failed);
    expect(sumOf(firstPage, `${LATENCY_METRIC.promName}_count`)).toBe(120);
  });

  it("keeps gauges per worker, with a worker label", () => {
    const gauges = queueGauges(firstPage);
    expect(gauges.map((g) => g.value).sort()).toEqual([1, 2, 3, 4].map(queueSaturationOf));
    expect(new Set(gauges.map((g) => g.labels[WORKER_ATTRIBUTE])).size).toBe(WORKERS);
  });

  it.skipIf(!promtool)("passes promtool check metrics", () => {
    const result = spawnSync(promtool!, ["check", "metrics"], { input: firstPage, encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.status).toBe(0);
  });

  it("keeps a killed worker's counts in the totals served afterwards, and counts the lost exit", async () => {
    const done = await primary!.command("kill 2");
    expect(done.done).toBe("kill 2");
    const page = await scrape(primary!.url);
    expect(summed(page)).toEqual(summed(firstPage));
    expect(
      queueGauges(page)
        .map((g) => g.value)
        .sort(),
    ).toEqual([1, 3, 4].map(queueSaturationOf));
    expect(sumOf(page, CLUSTER_WORKER_EXITS_METRIC.promName, { final_report: "false" })).toBe(1);
  });

  it("adds what a stopping worker recorded after the last scrape, from its final report", async () => {
    const done = await primary!.command("stop 3 7");
    expect(done.done).toBe("stop 3 7");
    const page = await scrape(primary!.url);
    expect(summed(page)).toEqual(summed(await singleProcessPage([[1], [2], [3], [4], [3, 7]])));
    expect(sumOf(page, REQUESTS_METRIC.promName)).toBe(127);
    expect(sumOf(page, CLUSTER_WORKER_EXITS_METRIC.promName, { final_report: "true" })).toBe(1);
  });
});
