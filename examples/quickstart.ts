// The README's quick start, then the snapshot it produced (METRICS_PORT=0 picks a free port).
// Run: npx tsx examples/quickstart.ts
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";

const collector = new TelemetryCollector({
  serviceName: "zoran-core",
  exporter: "prometheus", // or "otlp" | "json" | "csv" | "console" | "none", or an array of them
  port: Number(process.env.METRICS_PORT ?? 9464),
});

await collector.trace("injection_4champs", async () => {
  // ... the operation ...
  collector.recordSignal(GoldenSignals.LATENCY, 0.245);
  collector.recordSignal(GoldenSignals.ERROR_RATE, 0.0);
  collector.recordSignal(GoldenSignals.TRAFFIC, 1024);
  collector.recordSignal(GoldenSignals.SATURATION, 0.32);
});

await collector.start(); // exporters listen / begin pushing; saturation probes begin
console.log(`serving ${collector.url}/metrics`);
const text = await collector.export("prometheus");
console.log(
  text
    .split("\n")
    .filter((line) => line.startsWith("zoran_"))
    .join("\n"),
);
await collector.shutdown(); // final flush, sockets closed, timers cleared
