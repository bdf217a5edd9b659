// Run by test/reliability/cardinality-attack.test.ts under `node --expose-gc --import tsx`, so the
// heap is measured in a process of its own after full GCs. Prints one JSON line.
//   mode "distinct": N distinct attribute values on every signal (N/5 span names), then scrapes.
//   mode "long":     N distinct 256 KiB operation names (what a caller pinning memory would send).
import type { DiagLogger } from "@opentelemetry/api";
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";

const mode = process.argv[2] ?? "distinct";
const count = Number(process.argv[3] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");

const warnings: string[] = [];
const diag: DiagLogger = {
  error: (message) => void warnings.push(`error: ${message}`),
  warn: (message) => void warnings.push(`warn: ${message}`),
  info: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
};
const collector = new TelemetryCollector({
  serviceName: "cardinality-attack",
  exporter: "prometheus",
  port: 0,
  saturation: false,
  runtimeMetrics: false,
  window: false,
  diag,
});
await collector.start();

async function scrape(): Promise<{ ms: number; text: string }> {
  const begin = performance.now();
  const text = await (await fetch(`${collector.url}/metrics`)).text();
  return { ms: performance.now() - begin, text };
}

function heapMb(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed / 1_048_576;
}

// Baseline: every table and the endpoint warmed up with one series each.
for (const signal of Object.values(GoldenSignals)) collector.recordSignal(signal, 0.5, { operation: "warm" });
await scrape();
const heapBeforeMb = heapMb();
const recordMs: Record<string, number> = {};

if (mode === "distinct") {
  const attacks: Record<string, (i: number) => void> = {
    latency: (i) => collector.recordSignal(GoldenSignals.LATENCY, 0.2, { operation: `session-${i}` }),
    error_rate: (i) =>
      collector.recordSignal(GoldenSignals.ERROR_RATE, 1, {
        operation: `session-${i}`,
        error_type: "timeout",
      }),
    traffic_bytes: (i) => collector.recordSignal(GoldenSignals.TRAFFIC, 10, { operation: `session-${i}` }),
    traffic_tokens: (i) =>
      collector.recordSignal(GoldenSignals.TRAFFIC, 10, {
        operation: `session-${i}`,
        kind: "tokens",
        direction: "input",
      }),
    saturation: (i) => collector.recordSignal(GoldenSignals.SATURATION, 0.5, { resource: `queue-${i}` }),
    trace: (i) => collector.trace(`handler-${i}`, () => undefined),
  };
  for (const [name, attack] of Object.entries(attacks)) {
    const begin = performance.now();
    // A span costs ~30 us here (span objects, ids, clock): a fifth as many keeps the run short.
    const n = name === "trace" ? count / 5 : count;
    for (let i = 0; i < n; i++) attack(i);
    recordMs[name] = performance.now() - begin;
  }
} else {
  const pad = "p".repeat(256 * 1024);
  const begin = performance.now();
  for (let i = 0; i < count; i++) {
    // A fresh string each time, as a request handler building names from input would make.
    collector.recordSignal(GoldenSignals.TRAFFIC, 1, { operation: `${i} ${pad}`.slice(0) });
    collector.trace(`${i} ${pad}`, () => undefined);
  }
  recordMs.long = performance.now() - begin;
}

const heapAfterMb = heapMb();
const scrapes: number[] = [];
let text = "";
for (let i = 0; i < 5; i++) {
  const result = await scrape();
  scrapes.push(result.ms);
  text = result.text;
}
scrapes.sort((a, b) => a - b);
await collector.shutdown();
console.log(
  JSON.stringify({
    heapBeforeMb,
    heapAfterMb,
    recordMs,
    scrapeMedianMs: scrapes[2],
    scrapeMaxMs: scrapes[4],
    text,
    warnings,
  }),
);
