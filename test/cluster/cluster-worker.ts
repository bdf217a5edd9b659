/**
 * A worker of the cluster aggregation test: a node:cluster worker (index in `WORKER_INDEX`) or a
 * worker thread (index in `workerData`). It records the known workload into its own collector
 * (no port), reports to the primary, and tells the primary (with a plain, untagged message: the
 * application's own traffic on the same channel) when it is done. On `{ stop: n }` it records n
 * more operations and stops with a final report, without being scraped in between.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { reportToPrimary } from "../../src/cluster/report-to-primary.js";
import { TelemetryCollector } from "../../src/index.js";
import { recordKnownWorkload } from "./known-workload.js";

const index = isMainThread
  ? Number(process.env.WORKER_INDEX)
  : Number((workerData as { index: number }).index);
const send = (message: unknown) =>
  isMainThread ? process.send?.(message) : parentPort?.postMessage(message);
const onMessage = (handler: (message: unknown) => void) =>
  isMainThread ? process.on("message", handler) : parentPort?.on("message", handler);

const collector = new TelemetryCollector({
  serviceName: "cluster-test",
  exporter: "none",
  saturation: { intervalMs: 60_000 },
});
await collector.start();
// No periodic push: what the primary serves comes from its scrape-time requests and the final
// report only, so the test sees each of those paths on its own.
const reporter = reportToPrimary(collector, { pushIntervalMs: 0 });
await recordKnownWorkload(collector, index);

onMessage(async (message) => {
  const stop = (message as { stop?: number } | null)?.stop;
  if (typeof stop !== "number") return;
  await recordKnownWorkload(collector, index, stop);
  await reporter.stop();
  await collector.shutdown();
  process.exit(0);
});
send({ ready: index });
