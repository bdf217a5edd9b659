import { fork } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ClusterAggregator } from "../../src/cluster/cluster-aggregator.js";
import { GoldenSignals, serializePrometheus, TelemetryCollector } from "../../src/index.js";
import { REQUESTS_METRIC } from "../../src/signals/metric-definitions.js";
import { sumOf } from "../helpers/prometheus-samples.js";

describe("reportToPrimary", () => {
  it("pushes from a forked child without keeping it alive, and the totals outlive the child", async () => {
    const child = fork(join(import.meta.dirname, "forked-reporter-child.ts"), {
      execArgv: ["--import", "tsx"],
      stdio: "ignore",
    });
    const aggregator = new ClusterAggregator({ collectTimeoutMs: 500 });
    aggregator.attach(child);
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
    // The link waits for `disconnect` too, so the last pushes are in before the worker retires.
    for (let i = 0; i < 50 && aggregator.stats.liveWorkers > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const page = serializePrometheus(await aggregator.collect());
    expect(sumOf(page, REQUESTS_METRIC.promName, { operation: "forked_op" })).toBe(3);
    expect(aggregator.stats).toEqual({ liveWorkers: 0, exitsReported: 0, exitsUnreported: 1 });
    aggregator.close();
  }, 60_000);

  it("merges the workers into the primary collector's own snapshot (the `cluster` option)", async () => {
    const child = fork(join(import.meta.dirname, "forked-reporter-child.ts"), {
      execArgv: ["--import", "tsx"],
      stdio: "ignore",
    });
    const aggregator = new ClusterAggregator({ collectTimeoutMs: 10_000 });
    aggregator.attach(child);
    const own = new TelemetryCollector({
      serviceName: "primary",
      exporter: "none",
      saturation: false,
      cluster: aggregator,
    });
    own.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "forked_op" });
    own.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: "forked_op" });
    // The child's first push comes 100 ms after it starts; the request is answered sooner or later.
    let page = "";
    for (let i = 0; i < 100 && sumOf(page, REQUESTS_METRIC.promName) < 5; i++) {
      page = await own.export("prometheus");
    }
    expect(sumOf(page, REQUESTS_METRIC.promName, { operation: "forked_op" })).toBe(5);
    expect(sumOf(page, REQUESTS_METRIC.promName, { outcome: "error" })).toBe(1);
    expect(page).toContain('service_name="primary"');
    aggregator.close();
    child.kill();
    await own.shutdown();
  }, 60_000);
});
