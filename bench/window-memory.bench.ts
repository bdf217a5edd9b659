import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { diag } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { AlertingEngine } from "../src/alerting/alerting-engine.js";
import { DEFAULT_SLOS, defaultRules } from "../src/alerting/default-rules.js";
import { loadRules } from "../src/alerting/load-rules.js";
import {
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
} from "../src/signals/metric-definitions.js";
import { WindowStore } from "../src/window/window-store.js";
import { ReferenceWindowStore } from "../test/helpers/reference-window-store.js";
import { type ContenderRow, contenderRow } from "./lib/contender-table.js";

/**
 * Window-store memory per series, with alerting on, at the collector's retention: 2 s slots over
 * 15 minutes and 5 minute slots over 3 days, the shipped rules and SLOs registered (so the store
 * keeps what they ask for). Contenders: the dense store this replaced (one Float64Array ring per
 * series and tier, test/helpers/reference-window-store.ts) and ours.
 *
 * Workloads, each in a fresh child process (`--expose-gc`), heap + array buffers after full GCs
 * minus the same process before the store was made, divided by the series count:
 *
 * - busy: every series receives traffic in every interval for the whole retention (the worst case
 *   for a store that keeps only the slots that received something): 864 ingests 5 minutes apart
 *   (3 days: every coarse slot), then 450 ingests 2 s apart (15 minutes: every fine slot). Each
 *   fine interval brings 1 to 4 observations per latency series, spread over the buckets around
 *   0.16-1.28 s; each coarse one 150 times as many.
 * - idle: the series are seen once, then nothing for 3 days (what a short-lived operation name
 *   leaves behind).
 */
const SERIES = 500;
const FINE = { intervalMs: 2_000, retentionMs: 15 * 60_000 };
const COARSE = { intervalMs: 5 * 60_000, retentionMs: 3 * 24 * 3_600_000 };
const execFileAsync = promisify(execFile);

type Store = "dense" | "ours";
type Workload = "busy latency" | "busy requests" | "idle latency";

async function settledBytes(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("window memory bench child needs --expose-gc");
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Deterministic (mulberry32): both stores see the same workload. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Cumulative snapshots of `SERIES` series, updated in place (the caller's objects: made before the baseline). */
function workloadSnapshots(kind: "latency" | "requests") {
  const next = random(18);
  const points = Array.from({ length: SERIES }, (_, i) => ({
    attributes: { operation: `operation-${i}`, exchange: "ai_human", outcome: "ok" },
    startTime: [0, 0] as [number, number],
    endTime: [0, 0] as [number, number],
    value:
      kind === "latency"
        ? {
            buckets: { boundaries: [...LATENCY_BOUNDS_SECONDS], counts: new Array(15).fill(0) },
            count: 0,
            sum: 0,
          }
        : 0,
  }));
  const metric = {
    descriptor: {
      name: kind === "latency" ? LATENCY_METRIC.name : REQUESTS_METRIC.name,
      description: "",
      unit: "",
      type: "COUNTER",
      valueType: 1,
    },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: kind === "latency" ? DataPointType.HISTOGRAM : DataPointType.SUM,
    isMonotonic: true,
    dataPoints: points,
  } as unknown as MetricData;
  const snapshot: ResourceMetrics = {
    resource: resourceFromAttributes({}),
    scopeMetrics: [{ scope: { name: "bench" }, metrics: [metric] }],
  };
  return {
    snapshot,
    /** One interval of traffic, `scale` times the fine interval's. */
    advance(scale: number): void {
      for (const point of points) {
        const observations = scale * (1 + Math.floor(next() * 4));
        if (kind === "requests") {
          (point as { value: number }).value += observations;
          continue;
        }
        const value = point.value as { buckets: { counts: number[] }; count: number };
        // At most 8 draws of a bucket, the observations shared among them.
        const draws = Math.min(observations, 8);
        const each = Math.floor(observations / draws);
        for (let o = 0; o < draws; o++) {
          // Buckets 4..7 (0.16-1.28 s) mostly, a tail above.
          const bucket = Math.min(14, 4 + Math.floor(next() * 4) + (next() < 0.1 ? 3 : 0));
          value.buckets.counts[bucket]! += o === draws - 1 ? observations - each * (draws - 1) : each;
        }
        value.count += observations;
      }
    },
  };
}

/** Child: one store, one workload; prints bytes per series and the store's own slot bytes. */
async function child(store: Store, workload: Workload): Promise<void> {
  const data = workloadSnapshots(workload === "busy requests" ? "requests" : "latency");
  let now = 1_700_000_000_000;
  // Warm the code paths outside the measure.
  {
    const warm = new WindowStore({ ...FINE, coarse: COARSE, diag });
    warm.ingest(data.snapshot, now);
  }
  const before = await settledBytes();
  const options = { ...FINE, coarse: COARSE, maxSeries: 10 * SERIES, clock: () => now, diag };
  const window = store === "dense" ? new ReferenceWindowStore(options) : new WindowStore(options);
  // Alerting on: the shipped rules and SLOs, registered as the collector does.
  const engine = new AlertingEngine({
    rules: [...defaultRules(), ...loadRules({ slos: DEFAULT_SLOS })],
    serviceName: "bench",
    window: window as WindowStore,
    clock: () => now,
  });
  if (workload === "idle latency") {
    data.advance(1);
    window.ingest(data.snapshot, now);
    now += COARSE.retentionMs;
    window.ingest(data.snapshot, now);
  } else {
    for (let i = 0; i < COARSE.retentionMs / COARSE.intervalMs; i++) {
      now += COARSE.intervalMs;
      data.advance(150);
      window.ingest(data.snapshot, now);
    }
    for (let i = 0; i < FINE.retentionMs / FINE.intervalMs; i++) {
      now += FINE.intervalMs;
      data.advance(1);
      window.ingest(data.snapshot, now);
    }
  }
  engine.evaluate(now);
  const after = await settledBytes();
  // Used after the measure, so V8 cannot free it before.
  const slotBytes = window instanceof WindowStore ? window.slotBytes : 0;
  process.stdout.write(
    `${JSON.stringify({ perSeries: (after - before) / SERIES, slotBytes: slotBytes / SERIES, count: window.seriesCount })}\n`,
  );
  await engine.shutdown();
}

/** Runs each store on each workload, `rounds` times, each in a fresh child process. */
export async function runWindowMemoryBench(options: { rounds?: number } = {}): Promise<ContenderRow[]> {
  const rounds = options.rounds ?? 2;
  const file = fileURLToPath(import.meta.url);
  const rows: ContenderRow[] = [];
  for (const workload of ["busy latency", "busy requests", "idle latency"] as const) {
    const loadBefore = loadavg()[0]!;
    const samples = new Map<string, number[]>([
      ["dense (before)", []],
      ["ours", []],
    ]);
    for (let round = 0; round < rounds; round++) {
      const order: Store[] = round % 2 === 0 ? ["dense", "ours"] : ["ours", "dense"];
      for (const store of order) {
        const { stdout } = await execFileAsync(
          process.execPath,
          ["--expose-gc", "--max-old-space-size=2048", "--import", "tsx", file, "--child", store, workload],
          { timeout: 600_000, maxBuffer: 1 << 20 },
        );
        const { perSeries } = JSON.parse(stdout.trim().split("\n").at(-1)!) as { perSeries: number };
        samples.get(store === "dense" ? "dense (before)" : "ours")!.push(perSeries);
      }
    }
    rows.push(
      contenderRow(
        `window store, ${workload} series, ${SERIES} series, alerting on (2 s x 15 min + 5 min x 3 d)`,
        "bytes per series",
        samples,
        [["dense (before)", "ours"]],
        loadBefore,
      ),
    );
  }
  return rows;
}

if (process.argv[2] === "--child") {
  await child(process.argv[3] as Store, process.argv[4] as Workload);
}
