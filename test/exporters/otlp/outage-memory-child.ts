// Run by test/integration/otlp-outage-memory.test.ts under `node --expose-gc`: a host app that
// records golden signals and spans at full tilt while its OTLP receiver is down, and prints the
// heap (after a full GC) every second. Failures are counted, not kept, as the collector does.
import { createOtlpExporter } from "../../../src/exporters/otlp/otlp-exporter.js";
import { GoldenSignalSetup } from "./golden-signal-setup.js";

const deadUrl = process.argv[2] ?? "http://127.0.0.1:9";
const seconds = Number(process.argv[3] ?? 6);
const store = new GoldenSignalSetup();
let failures = 0;
const setup = { ...store.setup, reportFailure: () => void failures++ };
const exporter = createOtlpExporter(setup, { endpoint: deadUrl, intervalMs: 20, timeoutMs: 20 });
const { tracer } = store.wire(exporter);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const heapMb: number[] = [];
const began = Date.now();
let next = began + 1_000;
let spans = 0;
for (let n = 0; Date.now() - began < seconds * 1_000; n++) {
  store.recordOperation(`op${n % 50}`, 0.01 * (n % 100));
  for (let i = 0; i < 20; i++, spans++) tracer.startSpan("during-outage").end();
  await new Promise((resolve) => setTimeout(resolve, 2));
  if (Date.now() >= next) {
    gc();
    heapMb.push(process.memoryUsage().heapUsed / 1_048_576);
    next += 1_000;
  }
}
await exporter.shutdown();
process.stdout.write(`${JSON.stringify({ heapMb, failures, spans })}\n`);
process.exit(0);
