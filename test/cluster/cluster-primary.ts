/**
 * The primary of the cluster aggregation test, run as its own process:
 * `node --import tsx test/cluster/cluster-primary.ts <cluster|threads> <workers>`.
 * It starts the workers (node:cluster processes or worker threads), serves their merged
 * `/metrics` on 127.0.0.1 (port chosen free), and prints one JSON line per event on stdout:
 * `{"url": ...}` once every worker has recorded, then `{"done": "kill 2"}` after each command read
 * on stdin (`kill <index>`: SIGKILL or terminate(), no final report; `stop <index> <n>`: the worker
 * records n more operations and stops with a final report).
 * With a third argument, an OTLP endpoint URL, the primary is a collector with `cluster` and
 * `exporter: "otlp"` instead (no pull endpoint): its OTLP pushes must carry the workers' totals.
 */
import cluster from "node:cluster";
import { createInterface } from "node:readline";
import { Worker } from "node:worker_threads";
import { ClusterAggregator } from "../../src/cluster/cluster-aggregator.js";
import { createClusterEndpoint } from "../../src/cluster/create-cluster-endpoint.js";
import { TelemetryCollector } from "../../src/index.js";

const mode = process.argv[2];
const count = Number(process.argv[3] ?? 4);
const WORKER_SCRIPT = new URL("./cluster-worker.ts", import.meta.url);

interface Handle {
  kill(): void;
  send(message: unknown): void;
}

const otlpEndpoint = process.argv[4];
let aggregator: ClusterAggregator;
let primary: TelemetryCollector;
if (otlpEndpoint === undefined) {
  primary = new TelemetryCollector({
    serviceName: "cluster-test",
    exporter: "none",
    saturation: { intervalMs: 60_000 },
  });
  aggregator = new ClusterAggregator({ primary });
} else {
  // The collector merges the workers into its own collection: every exporter, OTLP included.
  aggregator = new ClusterAggregator();
  primary = new TelemetryCollector({
    serviceName: "cluster-test",
    exporter: "otlp",
    otlp: { endpoint: otlpEndpoint, protocol: "http/protobuf", intervalMs: 500 },
    saturation: false,
    cluster: aggregator,
  });
}
await primary.start();
const endpoint = createClusterEndpoint(aggregator, { port: 0, host: "127.0.0.1" });
if (otlpEndpoint === undefined) await endpoint.start();

const handles = new Map<number, Handle>();
const ready = new Set<number>();
let announced = false;
const onReady = (message: unknown) => {
  const index = (message as { ready?: number } | null)?.ready;
  if (typeof index !== "number") return;
  ready.add(index);
  if (ready.size === count && !announced) {
    announced = true;
    console.log(JSON.stringify({ url: endpoint.url ?? "" }));
  }
};

if (mode === "cluster") {
  aggregator.attachCluster();
  cluster.setupPrimary({ exec: WORKER_SCRIPT.pathname });
  for (let index = 1; index <= count; index++) {
    const worker = cluster.fork({ WORKER_INDEX: String(index) });
    worker.on("message", onReady);
    handles.set(index, { kill: () => worker.process.kill("SIGKILL"), send: (m) => worker.send(m as object) });
  }
} else {
  // Worker threads do not inherit tsx's loader on Node 20: load it in the thread, then the script.
  const code = `import("tsx/esm/api").then(({ tsImport }) => tsImport(${JSON.stringify(WORKER_SCRIPT.href)}, ${JSON.stringify(import.meta.url)}))`;
  for (let index = 1; index <= count; index++) {
    const worker = new Worker(code, { eval: true, workerData: { index } });
    aggregator.attach(worker);
    worker.on("message", onReady);
    handles.set(index, { kill: () => void worker.terminate(), send: (m) => worker.postMessage(m) });
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!condition()) throw new Error("timed out waiting for the worker to be gone");
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, indexText, extra] = line.trim().split(" ");
  const handle = handles.get(Number(indexText));
  if (handle === undefined) continue;
  const before = aggregator.stats;
  if (command === "kill") {
    handle.kill();
    await until(() => aggregator.stats.exitsUnreported > before.exitsUnreported);
  } else if (command === "stop") {
    handle.send({ stop: Number(extra) });
    await until(() => aggregator.stats.exitsReported > before.exitsReported);
  }
  console.log(JSON.stringify({ done: line.trim(), stats: aggregator.stats }));
}
// stdin closed: the test is done with us.
await endpoint.shutdown();
aggregator.close();
for (const handle of handles.values()) handle.kill();
await primary.shutdown();
process.exit(0);
