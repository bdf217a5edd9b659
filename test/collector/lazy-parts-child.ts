import { writeFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";

/**
 * Child of lazy-parts.test.ts: imports the package in a fresh process and prints, after each
 * step, which of the parts loaded only when configured are in the module cache.
 */
const PARTS = {
  otlp: /node_modules\/@opentelemetry\/(exporter-(metrics|trace)-otlp-(http|proto)|otlp-exporter-base)\//,
  otlpTransformer: /node_modules\/@opentelemetry\/otlp-transformer\//,
  yaml: /node_modules\/yaml\//,
};
const cache = createRequire(import.meta.url).cache;
// ES modules are not in require.cache: a resolve hook reports their URLs. The hook thread posts
// each one before the import it serves returns, so draining the port synchronously sees them all.
const { port1, port2 } = new MessageChannel();
port1.unref();
register(new URL("./lazy-parts-hooks.mjs", import.meta.url), {
  data: { port: port2 },
  transferList: [port2],
});
const esm: string[] = [];
const steps: Record<string, Record<string, boolean>> = {};
const look = (step: string) => {
  for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1))
    esm.push(String(m.message));
  const loaded = [...Object.keys(cache), ...esm];
  steps[step] = {
    ...Object.fromEntries(
      Object.entries(PARTS).map(([part, pattern]) => [part, loaded.some((file) => pattern.test(file))]),
    ),
    // Node's fetch (undici), loaded by the first touch of a Fetch API global.
    fetch: (process as unknown as { moduleLoadList: string[] }).moduleLoadList.some((name) =>
      name.includes("undici"),
    ),
  };
};

const silent = { error() {}, warn() {}, info() {}, debug() {}, verbose() {} };
const { TelemetryCollector, serializeJsonLines } = await import("../../src/index.js");
look("import");
const collector = new TelemetryCollector({
  serviceName: "lazy",
  exporter: ["otlp"],
  otlp: { endpoint: "http://127.0.0.1:9", intervalMs: 3_600_000, timeoutMs: 200, shutdownTimeoutMs: 500 },
  saturation: false,
  runtimeMetrics: false,
  diag: silent,
} as never);
look("construct with otlp");
const line = serializeJsonLines(await collector.collect());
look("serializeJsonLines");
await collector.start();
look("start");
await collector.shutdown();
const file = join(tmpdir(), `zoran-lazy-${process.pid}.yaml`);
writeFileSync(
  file,
  "rules:\n  - { name: Slow, signal: latency, statistic: p95, comparison: '>', threshold: 1 }\n",
);
const alerting = new TelemetryCollector({
  serviceName: "lazy",
  exporter: "none",
  saturation: false,
  runtimeMetrics: false,
  alerting: { rules: file },
  diag: silent,
} as never);
look("construct with a rule file");
const rules = alerting.alerts().length;
await alerting.shutdown();
process.stdout.write(`${JSON.stringify({ steps, line: line.length > 0, rules })}\n`);
