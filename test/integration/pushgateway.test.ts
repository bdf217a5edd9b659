import type { DiagLogger } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type PushgatewayExporterOptions,
  pushgatewayPath,
} from "../../src/exporters/pushgateway/pushgateway-exporter.js";
import { GoldenSignals, TelemetryCollector, type TelemetryCollectorOptions } from "../../src/index.js";
import { sumOf } from "../helpers/prometheus-samples.js";
import { freePort } from "../helpers/prometheus-server.js";
import { type PushgatewayServer, startPushgateway } from "../helpers/pushgateway.js";
import { requireBinary } from "../helpers/require-binary.js";

/**
 * Issue 14, item 5: the Pushgateway exporter against a real Prometheus Pushgateway 1.5 (Debian
 * `prometheus-pushgateway`) on 127.0.0.1: grouping keys, replace (PUT) vs add (POST), delete on
 * success, and a Pushgateway that is down.
 */
const binary = requireBinary("prometheus-pushgateway");

describe.skipIf(binary === null)("the Pushgateway exporter, against a real Pushgateway", () => {
  let gateway: PushgatewayServer;
  const collectors: TelemetryCollector[] = [];

  beforeAll(async () => {
    gateway = await startPushgateway({ binary: binary! });
  }, 30_000);

  afterAll(() => gateway?.stop());

  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
  });

  function create(pushgateway: Partial<PushgatewayExporterOptions>, extra: TelemetryCollectorOptions = {}) {
    const collector = new TelemetryCollector({
      serviceName: "nightly",
      exporter: "pushgateway",
      pushgateway: { url: gateway.url, ...pushgateway },
      saturation: false,
      runtimeMetrics: false,
      window: false,
      flushOnExit: false,
      ...extra,
    });
    collectors.push(collector);
    return collector;
  }

  function work(collector: TelemetryCollector, operations: number) {
    for (let i = 0; i < operations; i++) collector.trace("import_rows", () => undefined);
  }

  it("pushes the snapshot into the group of its grouping key, at shutdown, and keeps groups apart", async () => {
    const a = create({ groupingKey: { instance: "shard-a" } });
    const b = create({ groupingKey: { instance: "shard/b" } });
    await Promise.all([a.start(), b.start()]);
    work(a, 3);
    work(b, 5);
    await Promise.all([a.shutdown(), b.shutdown()]);
    const groups = await gateway.groups();
    expect(
      groups.map((group) => group.labels).sort((x, y) => x.instance!.localeCompare(y.instance!)),
    ).toEqual([
      { job: "nightly", instance: "shard-a" },
      // A value with "/" in it travels base64url-encoded (`instance@base64/...`).
      { job: "nightly", instance: "shard/b" },
    ]);
    const page = await gateway.page();
    expect(sumOf(page, "zoran_requests_total", { job: "nightly", instance: "shard-a" })).toBe(3);
    expect(sumOf(page, "zoran_requests_total", { job: "nightly", instance: "shard/b" })).toBe(5);
    expect(
      sumOf(page, "zoran_latency_seconds_count", { instance: "shard-a", operation: "import_rows" }),
    ).toBe(3);
  });

  it("PUT replaces the whole group; POST replaces only the families it carries", async () => {
    const extra = async (instance: string) => {
      // A family the job's shell wrapper pushed into the same group.
      const response = await fetch(`${gateway.url}${pushgatewayPath("nightly", { instance })}`, {
        method: "POST",
        body: "# TYPE wrapper_last_start_seconds gauge\nwrapper_last_start_seconds 1767225600\n",
      });
      expect(response.status).toBeLessThan(300);
    };
    await extra("put-run");
    await extra("post-run");
    const put = create({ groupingKey: { instance: "put-run" } });
    const post = create({ groupingKey: { instance: "post-run" }, method: "post" });
    await Promise.all([put.start(), post.start()]);
    work(put, 1);
    work(post, 1);
    await Promise.all([put.shutdown(), post.shutdown()]);
    const families = Object.fromEntries(
      (await gateway.groups()).map((group) => [group.labels.instance, group.families]),
    );
    expect(families["put-run"]).not.toContain("wrapper_last_start_seconds");
    expect(families["put-run"]).toContain("zoran_requests_total");
    expect(families["post-run"]).toContain("wrapper_last_start_seconds");
    expect(families["post-run"]).toContain("zoran_requests_total");
  });

  it("pushes every intervalMs while running, and flush() pushes at once", async () => {
    const collector = create({ groupingKey: { instance: "periodic" }, intervalMs: 200 });
    await collector.start();
    work(collector, 2);
    const pushed = async () => sumOf(await gateway.page(), "zoran_requests_total", { instance: "periodic" });
    const deadline = Date.now() + 5_000;
    while ((await pushed()) !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await pushed()).toBe(2);
    const slow = create({ groupingKey: { instance: "flushed" }, intervalMs: 600_000 });
    await slow.start();
    work(slow, 4);
    await slow.flush();
    expect(sumOf(await gateway.page(), "zoran_requests_total", { instance: "flushed" })).toBe(4);
  });

  it("deleteOnSuccess: a successful end deletes the group instead of pushing", async () => {
    const kept = create({ groupingKey: { instance: "kept" }, intervalMs: 100 });
    const deleted = create({ groupingKey: { instance: "deleted" }, deleteOnSuccess: true, intervalMs: 100 });
    await Promise.all([kept.start(), deleted.start()]);
    work(kept, 1);
    work(deleted, 1);
    // Both groups exist while the jobs run...
    const instances = async () => (await gateway.groups()).map((group) => group.labels.instance);
    const deadline = Date.now() + 5_000;
    while (!(await instances()).includes("deleted") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await instances()).toContain("deleted");
    // ... and only the one without deleteOnSuccess stays after a successful end.
    await Promise.all([kept.shutdown(), deleted.shutdown()]);
    expect(await instances()).toContain("kept");
    expect(await instances()).not.toContain("deleted");
  });

  it("reports a Pushgateway that is down and keeps the application running", async () => {
    const messages: string[] = [];
    const push = (message: string) => void messages.push(message);
    const diag: DiagLogger = { error: push, warn: push, info() {}, debug() {}, verbose() {} };
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const collector = create({ url: nobody, timeoutMs: 1_000 }, { diag, shutdownTimeoutMs: 2_000 });
    await collector.start();
    collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "lost" });
    const started = Date.now();
    await collector.shutdown();
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(messages.join("\n")).toContain("pushgateway");
    expect(await collector.export("prometheus")).toContain(
      'zoran_telemetry_export_failures_total{exporter="pushgateway"} 1',
    );
  });
});
