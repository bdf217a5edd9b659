// Run by test/regression/free-text-pins-no-raw-string.test.ts under `node --expose-gc --import tsx`,
// so the heap is measured in a process of its own after full GCs. Prints one JSON line:
// { "<path> <shape>": heap growth in MB, ... } for every free-text entry point, each fed `count`
// distinct names (argv[2], default 300; argv[3] one path only) of two shapes: `long`, 256 KiB with no whitespace, and
// `slice`, the first 100 characters of a fresh 256 KiB string, with an email in them (short
// enough to be a cache key).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { GoldenSignals, instrumentFetch, TelemetryCollector } from "../../src/index.js";

const count = Number(process.argv[2] ?? 300);
const only = process.argv[3];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");

// argv[4]: name size in KiB (256 by default; the second figure used 1,024).
const NAME_BYTES = Number(process.argv[4] ?? 256) * 1024;

/**
 * A fresh, flat 256 KiB string per call, as a handler building names from a request body would
 * make: distinct in its first characters (so each is its own series), no whitespace anywhere
 * (the scrubber's cut at the last space used to hide the slice).
 */
function longName(i: number): string {
  const bytes = Buffer.alloc(NAME_BYTES, "x");
  bytes.write(`op${i}_`, 0, "latin1");
  return bytes.toString("latin1");
}

/**
 * The first 100 characters of a fresh 256 KiB string: a V8 sliced string that points into it,
 * holding an email (so its scrubbed form differs from it, and the raw string is what a cache of
 * raw values would keep).
 */
function slicedName(i: number): string {
  const bytes = Buffer.alloc(NAME_BYTES, "x");
  bytes.write(`op${i}_jane.doe@example.com_`, 0, "latin1");
  return bytes.toString("latin1").slice(0, 100);
}

function heapMb(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed / 1_048_576;
}

// A local upstream for the fetch path and an OTLP sink that accepts everything; spans stay in the
// batch processor's queue (interval 60 s, at most 5 s) while the heap is measured.
const upstream = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.end("{}"));
});
await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
const sink = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
});
await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

/** One free-text entry point: what the application keeps between calls (wrappers, fetches) stays reachable. */
type Attack = (collector: TelemetryCollector, name: string, kept: unknown[]) => unknown;

const attacks: Record<string, Attack> = {
  operation: (c, name) => c.recordSignal(GoldenSignals.LATENCY, 0.1, { operation: name }),
  resource: (c, name) => c.recordSignal(GoldenSignals.SATURATION, 0.5, { resource: name }),
  series: (c, name) => c.series(GoldenSignals.TRAFFIC, { operation: name }).record(1),
  trace: (c, name) => c.trace(name, () => undefined),
  wrap: (c, name, kept) => {
    const wrapped = c.wrap(name, () => 1);
    kept.push(wrapped);
    return wrapped();
  },
  exchangeOperation: (c, name) => c.exchange({ operation: name, kind: "ai_ai" }, async () => 1),
  exchangeModel: (c, name) =>
    c.exchange({ operation: "model_attack", kind: "ai_ai", provider: "openai", model: name }, async () => 1),
  responseModel: (c, name) =>
    c.exchange({ operation: "response_model_attack", kind: "ai_ai", provider: "openai" }, async (ex) =>
      ex.response({ model: name, choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } }),
    ),
  fetchOperation: async (c, name, kept) => {
    const tracedFetch = instrumentFetch(c, { operation: name });
    kept.push(tracedFetch);
    await (await tracedFetch(upstreamUrl)).text();
  },
};

const shapes: Record<string, (i: number) => string> = { long: longName, slice: slicedName };
const result: Record<string, number> = {};
for (const [path, attack] of Object.entries(attacks))
  for (const [shape, makeName] of Object.entries(shapes)) {
    if (only !== undefined && only !== path) continue;
    const collector = new TelemetryCollector({
      serviceName: "free-text-pin",
      exporter: ["otlp"],
      otlp: { endpoint: sinkUrl, protocol: "http/json", intervalMs: 60_000 },
      saturation: false,
      runtimeMetrics: false,
      window: false,
      diag: { error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
    });
    await collector.start();
    const kept: unknown[] = [];
    // Warm-up with a short name: tables, span machinery and code paths allocated before the baseline.
    await attack(collector, "warm", kept);
    const before = heapMb();
    for (let i = 0; i < count; i++) await attack(collector, makeName(i), kept);
    const after = heapMb();
    result[`${path} ${shape}`] = Math.round((after - before) * 10) / 10;
    kept.length = 0;
    await collector.shutdown();
  }
upstream.closeAllConnections();
upstream.close();
sink.closeAllConnections();
sink.close();
console.log(JSON.stringify(result));
