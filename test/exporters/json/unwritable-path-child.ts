// Run by json-exporter.test.ts as an unprivileged user (root ignores directory permissions):
// a host "app" with a JSON and a CSV exporter pointed into a read-only directory. Prints what
// the exporters reported and proves the app kept running.
import { createCsvExporter } from "../../../src/exporters/csv/csv-exporter.js";
import { createJsonExporter } from "../../../src/exporters/json/json-exporter.js";
import { GoldenSignalSetup } from "../otlp/golden-signal-setup.js";

const dir = process.argv[2] ?? "";
const store = new GoldenSignalSetup();
const json = createJsonExporter(store.setup, { path: `${dir}/metrics.jsonl`, intervalMs: 60_000 });
const csv = createCsvExporter(store.setup, { path: `${dir}/metrics.csv`, intervalMs: 60_000 });
await json.start?.();
await csv.start?.();
store.recordOperation("summarize", 0.1);
await json.forceFlush?.();
await csv.forceFlush?.();
await json.shutdown();
await csv.shutdown();
const codes = store.failures.map(
  (f) => `${f.exporter}:${(f.error as NodeJS.ErrnoException).code ?? String(f.error)}`,
);
process.stdout.write(`${JSON.stringify({ codes, stillRunning: true })}\n`);
