import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { parseWithPython, strictParser, sumParsed } from "../helpers/exposition-check.js";
import { sumOf } from "../helpers/prometheus-samples.js";
import { requireBinary } from "../helpers/require-binary.js";

/**
 * `GET /metrics` under 50 concurrent connections for 15 s at 10,000 series (a ~730 KB page;
 * autocannon, in a process of its own so it does not share this event loop), while the host
 * application keeps recording and waits on a 100 ms timer: no failed request, no heap growth,
 * and the host not blocked (issue 15 item 16: before pages were written in slices, the timer
 * fired 187-198 ms late, median; the target is at most 20 ms). Loopback only; bounded in time.
 */

const autocannon = requireBinary(new URL("../../node_modules/.bin/autocannon", import.meta.url).pathname);

interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  statusCodeStats?: Record<string, { count: number }>;
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
}

function runAutocannon(url: string, seconds: number): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    // A 30 s request timeout instead of autocannon's 10 s: on a 2-core machine shared with another
    // test file, a few of ~800 scrapes of a 1 MB page took over 10 s (p99 6.9 s measured).
    const child = spawn(autocannon!, ["--json", "-c", "50", "-d", String(seconds), "-t", "30", url], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), (seconds + 30) * 1000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`autocannon exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as AutocannonResult);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
}

const LOAD_SECONDS = 15;

describe.skipIf(!autocannon)("Prometheus endpoint under load", () => {
  it("serves 50 connections for 15 s at 10,000 series without error, heap flat, the host's timers on time", async () => {
    const collector = new TelemetryCollector({
      serviceName: "load",
      exporter: "prometheus",
      port: 0,
      cardinalityLimit: 20_000,
      saturation: false,
      runtimeMetrics: false,
      window: false,
    });
    await collector.start();
    try {
      for (let i = 0; i < 10_000; i++)
        collector.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: `op-${i}` });
      const url = `${collector.url}/metrics`;
      const first = await (await fetch(url)).text();
      expect(first.split("\n").filter((l) => l.startsWith("zoran_requests_total{")).length).toBe(10_000);

      // The host application: batches of 1,000 recordSignal calls every 10 ms; ns per call.
      const measure = (): number => {
        const begin = process.hrtime.bigint();
        for (let i = 0; i < 1_000; i++) {
          collector.recordSignal(GoldenSignals.LATENCY, 0.05, { operation: `op-${i % 100}` });
        }
        return Number(process.hrtime.bigint() - begin) / 1_000;
      };
      const idleNs: number[] = [];
      for (let i = 0; i < 100; i++) {
        idleNs.push(measure());
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const heapBeforeMb = heapMb();
      const loadNs: number[] = [];
      const lagMs: number[] = [];
      const timerLateMs: number[] = [];
      let recording = true;
      const recorder = (async () => {
        while (recording) {
          loadNs.push(measure());
          const asked = performance.now();
          await new Promise((resolve) => setTimeout(resolve, 10));
          lagMs.push(performance.now() - asked - 10);
        }
      })();
      // The host's own periodic work: a 100 ms timer, and how late it fires.
      const timer = (async () => {
        while (recording) {
          const asked = performance.now();
          await new Promise((resolve) => setTimeout(resolve, 100));
          timerLateMs.push(performance.now() - asked - 100);
        }
      })();
      const loadBefore = loadavg()[0]!;
      const result = await runAutocannon(url, LOAD_SECONDS);
      const loadAfter = loadavg()[0]!;
      recording = false;
      await Promise.all([recorder, timer]);
      const heapAfterMb = heapMb();

      const figures = {
        requests: result.requests.total,
        reqPerSec: result.requests.average,
        latencyP50Ms: result.latency.p50,
        latencyP99Ms: result.latency.p99,
        latencyMaxMs: result.latency.max,
        status: Object.fromEntries(
          Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]),
        ),
        recordNsIdleMedian: median(idleNs),
        recordNsLoadMedian: median(loadNs),
        eventLoopLagMsMedian: median(lagMs),
        timer100msLateMsMedian: median(timerLateMs),
        timer100msLateMsMax: Math.max(...timerLateMs),
        heapBeforeMb,
        heapAfterMb,
        pageBytes: Buffer.byteLength(first),
        loadAverage: [loadBefore, loadAfter],
      };
      console.info(`[endpoint load] ${JSON.stringify(figures)}`);

      expect(result.errors).toBe(0);
      expect(result.timeouts).toBe(0);
      // Past maxConcurrentScrapes (16) a scrape is refused at once with 503 + Retry-After: the
      // documented shedding (endpoint-security.test.ts); nothing else may fail.
      expect(result.non2xx).toBe(result.statusCodeStats?.["503"]?.count ?? 0);
      expect(result["2xx"]).toBeGreaterThan(50);
      // The host's 100 ms timer: at most 20 ms late, median, under the load (the target).
      expect(timerLateMs.length).toBeGreaterThan(50);
      expect(figures.timer100msLateMsMedian).toBeLessThanOrEqual(20);
      // Heap flat: what 10 s of scrapes leave behind after full GCs (bodies are not kept).
      expect(heapAfterMb - heapBeforeMb).toBeLessThan(16);
      // Recording went on throughout the load (a batch every 10 ms asked; at least one per 200 ms
      // got on a machine at load average ~7), at a bounded cost per call.
      expect(loadNs.length).toBeGreaterThan(50);
      expect(figures.recordNsLoadMedian).toBeLessThan(2_000);
      // Every value recorded during the load is in the next scrape.
      const after = await (await fetch(url)).text();
      expect(sumOf(after, "zoran_latency_seconds_count")).toBe((idleNs.length + loadNs.length) * 1_000);
      // And a page written in slices while recording went on is consistent: the strict parser
      // checks every histogram's count against its +Inf bucket.
      if (strictParser) {
        const openMetrics = await (
          await fetch(url, { headers: { Accept: "application/openmetrics-text;version=1.0.0" } })
        ).text();
        expect(
          sumParsed(parseWithPython(openMetrics, "openmetrics"), "zoran_requests_total"),
        ).toBeGreaterThanOrEqual(10_000);
      }
    } finally {
      await collector.shutdown();
    }
  }, 120_000);
});
