/**
 * A child started with `child_process.fork` for the reporter test: records 3 requests, reports
 * by periodic push only (100 ms), and ends by itself after 1.5 s, which it can only do if the
 * reporter's IPC listener does not keep it alive.
 */
import { reportToPrimary } from "../../src/cluster/report-to-primary.js";
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";

const collector = new TelemetryCollector({ serviceName: "forked", exporter: "none", saturation: false });
reportToPrimary(collector, { pushIntervalMs: 100 });
for (let i = 0; i < 3; i++) collector.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: "forked_op" });
setTimeout(() => undefined, 1500);
