// Run by test/integration/faults-signals.test.ts: a host app that records without pause while a
// JSON Lines exporter writes every 10 ms, and shuts the collector down on SIGTERM or SIGINT, as
// the docs tell users to. Prints how many operations it recorded before the final flush.
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";

const path = process.argv[2] ?? "";
const collector = new TelemetryCollector({
  serviceName: "signals",
  exporter: "json",
  json: { path, intervalMs: 10 },
  saturation: false,
  runtimeMetrics: false,
  window: false,
});
await collector.start();
let recorded = 0;
const timer = setInterval(() => {
  for (let i = 0; i < 200; i++, recorded++)
    collector.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: "work" });
}, 1);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    clearInterval(timer);
    const count = recorded;
    void collector.shutdown().then(() => {
      process.stdout.write(`${JSON.stringify({ recorded: count, signal })}\n`);
      process.exit(0);
    });
  });
}
process.stdout.write("ready\n");
