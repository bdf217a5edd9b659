/**
 * OTLP export of a cluster primary carries its workers' totals: a primary with `cluster` and
 * `exporter: "otlp"` starts 4 worker threads, each recording the known workload into its own
 * collector; the OTLP receiver must get the sums a single process recording all four would
 * report (the one snapshot source feeds OTLP, not a reader of the primary's store alone).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATENCY_METRIC, REQUESTS_METRIC } from "../../src/signals/metric-definitions.js";
import { operationsOf } from "../cluster/known-workload.js";
import { type OtlpReceiver, startOtlpReceiver, waitFor } from "../helpers/otlp-receiver.js";

const REPO = join(import.meta.dirname, "..", "..");
const WORKERS = 4;
const TOTAL = [1, 2, 3, 4].reduce((sum, i) => sum + operationsOf(i), 0);

/** Sum of the points of metric `name` in the receiver's newest export of it. */
function newestExportSum(receiver: OtlpReceiver, name: string, field: "value" | "count"): number {
  const points = receiver.points.filter((p) => p.name === name);
  const newest = points.at(-1)?.timeUnixNano;
  return points.filter((p) => p.timeUnixNano === newest).reduce((sum, p) => sum + (p[field] ?? 0), 0);
}

describe("OTLP export of a cluster primary", () => {
  let receiver: OtlpReceiver;
  let child: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    child = spawn(
      process.execPath,
      ["--import", "tsx", "test/cluster/cluster-primary.ts", "threads", String(WORKERS), receiver.url],
      { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] },
    );
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await Promise.race([
      lines.next(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("primary not ready")), 90_000).unref(),
      ),
    ]);
    expect(JSON.parse(String(first.value))).toHaveProperty("url");
  }, 120_000);

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.stdin?.end();
      const timer = setTimeout(() => child!.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await receiver?.stop();
  });

  it("pushes the workers' request and latency totals", async () => {
    expect(TOTAL).toBe(120);
    await waitFor(
      () => newestExportSum(receiver, REQUESTS_METRIC.name, "value") === TOTAL,
      30_000,
      `an OTLP export with ${TOTAL} requests`,
    );
    expect(newestExportSum(receiver, LATENCY_METRIC.name, "count")).toBe(TOTAL);
  }, 60_000);
});
