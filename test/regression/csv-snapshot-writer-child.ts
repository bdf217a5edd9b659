// Run by csv-snapshots-survive-sigkill.test.ts: a host app whose CSV exporter writes large
// snapshots back to back (10,000 series, ~1.7 MB each) until the test kills it with SIGKILL.
// argv: <csv path>. Prints one line, the rows of one snapshot, once the workload is recorded.
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";

const path = process.argv[2] ?? "metrics.csv";
const collector = new TelemetryCollector({
  serviceName: "kill-test",
  exporter: "csv",
  // Back to back: the periodic task skips ticks while a write runs, so writes never overlap.
  csv: { path, intervalMs: 1, maxBytes: 16 * 1024 * 1024, maxFiles: 2 },
  cardinalityLimit: 20_000,
  saturation: false,
  runtimeMetrics: false,
  window: false,
});
for (let i = 0; i < 10_000; i++) {
  collector.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: `operation_${i}`, exchange: "ai_ai" });
}
// Nothing is recorded after this line: every snapshot has the same rows, only the time differs.
const rows = (await collector.export("csv")).trimEnd().split("\r\n").length - 1;
await collector.start();
process.stdout.write(`${rows}\n`);
setInterval(() => {}, 1_000); // keep running until killed
