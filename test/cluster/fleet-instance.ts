/**
 * One instance of the fleet test, run as its own process (`child_process.fork`): a real
 * collector serving `/metrics` on 127.0.0.1 (port chosen free), announced to the parent as
 * `{ url }`. On `{ go: durationSeconds }` it records the fleet workload (fleet-workload.ts) at
 * its own rate, driven by the clock so the count tracks rate x elapsed time however late a
 * timer fires, then `{ done: operations }`, and keeps serving until killed.
 *
 * Env: FLEET_INDEX (0-based), FLEET_SERIES (extra label sets to serve, for the scaling
 * measurements; default 0).
 */
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";
import { operationAt, phaseOf, rateOf } from "./fleet-workload.js";

const index = Number(process.env.FLEET_INDEX ?? 0);
const extraSeries = Number(process.env.FLEET_SERIES ?? 0);
const collector = new TelemetryCollector({
  serviceName: "zoran-fleet",
  exporter: "prometheus",
  port: 0,
  host: "127.0.0.1",
  cardinalityLimit: Math.max(2000, extraSeries + 100),
});
await collector.start();

// Series for the scaling measurements: `extraSeries` request counters (one per operation name).
for (let i = 0; i < extraSeries; i++) {
  collector.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: `bulk_${i}`, exchange: "ai_ai" });
}

function record(n: number): void {
  const op = operationAt(phaseOf(index) + n);
  const attributes = { operation: op.operation, exchange: op.exchange };
  collector.recordSignal(GoldenSignals.LATENCY, op.latencySeconds, {
    ...attributes,
    outcome: op.failed ? "error" : "ok",
  });
  collector.recordSignal(GoldenSignals.ERROR_RATE, op.failed ? 1 : 0, {
    ...attributes,
    error_type: op.errorType,
  });
  collector.recordSignal(GoldenSignals.TRAFFIC, op.inputTokens, {
    ...attributes,
    kind: "tokens",
    direction: "input",
  });
  collector.recordSignal(GoldenSignals.TRAFFIC, op.outputBytes, { ...attributes, direction: "output" });
}

process.on("message", (message: { go?: number }) => {
  if (typeof message?.go !== "number") return;
  const rate = rateOf(index);
  const total = rate * message.go;
  const start = performance.now();
  let done = 0;
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (done < due) record(done++);
    if (done === total) {
      clearInterval(timer);
      process.send?.({ done });
    }
  }, 25);
});
process.on("disconnect", () => void collector.shutdown().then(() => process.exit(0)));
process.send?.({ url: collector.url });
