import { afterEach, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { GoldenSignals } from "../../src/signals/golden-signals.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { type OtlpReceiver, startOtlpReceiver, waitFor } from "../helpers/otlp-receiver.js";
import { sumOf } from "../helpers/prometheus-samples.js";

/** Polls an async condition every 20 ms until it holds, or throws after `timeoutMs`. */
async function waitForAsync(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let receiver: OtlpReceiver | undefined;
let collector: TelemetryCollector | undefined;
afterEach(async () => {
  await collector?.shutdown();
  await receiver?.stop();
  collector = receiver = undefined;
});

describe("TelemetryCollector with exporter: otlp (end to end)", () => {
  it.each([
    "http/protobuf",
    "http/json",
  ] as const)("delivers every golden signal and the span of trace() over %s, values equal to those recorded", async (protocol) => {
    receiver = await startOtlpReceiver();
    collector = new TelemetryCollector({
      serviceName: "zoran-core",
      exporter: ["otlp"],
      otlp: { endpoint: receiver.url, protocol, intervalMs: 60_000 },
      saturation: false,
      runtimeMetrics: false,
    });
    await collector.start();
    await collector.trace(
      "injection_4champs",
      async () => {
        collector!.recordSignal(GoldenSignals.LATENCY, 0.245);
        collector!.recordSignal(GoldenSignals.ERROR_RATE, 0.0);
        collector!.recordSignal(GoldenSignals.TRAFFIC, 1024, { direction: "output" });
        collector!.recordSignal(GoldenSignals.TRAFFIC, 300, { kind: "tokens", direction: "input" });
        collector!.recordSignal(GoldenSignals.SATURATION, 0.32, { resource: "gpu" });
      },
      { exchange: "ai_ai" },
    );
    await expect(collector.trace("broken", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await collector.shutdown(); // the final flush is what delivers: the interval is a minute

    const op = { operation: "injection_4champs", exchange: "ai_ai" };
    expect(receiver.latest(LATENCY_METRIC.name, { ...op, outcome: "ok" })).toMatchObject({
      count: 1,
      sum: 0.245,
    });
    expect(receiver.latest(REQUESTS_METRIC.name, { ...op, outcome: "ok" })?.value).toBe(1);
    expect(receiver.latest(REQUESTS_METRIC.name, { operation: "broken", outcome: "error" })?.value).toBe(1);
    expect(receiver.latest(ERRORS_METRIC.name, { operation: "broken", error_type: "crash" })?.value).toBe(1);
    expect(receiver.latest(EXCHANGE_SIZE_METRIC.name, { ...op, direction: "output" })?.value).toBe(1024);
    expect(receiver.latest(TOKENS_METRIC.name, { ...op, direction: "input" })?.value).toBe(300);
    expect(receiver.latest(SATURATION_METRIC.name, { resource: "gpu" })?.value).toBe(0.32);
    expect(receiver.latest(LATENCY_METRIC.name)?.resource["service.name"]).toBe("zoran-core");
    const span = receiver.spans.find((s) => s.name === "injection_4champs");
    expect(span?.resource["service.name"]).toBe("zoran-core");
    expect(receiver.spans.find((s) => s.name === "broken")?.statusCode).toBe(2);
  });

  it("keeps pushing on its interval and catches up after the receiver comes back", async () => {
    receiver = await startOtlpReceiver();
    collector = new TelemetryCollector({
      serviceName: "zoran-core",
      exporter: "otlp",
      otlp: { endpoint: receiver.url, intervalMs: 50, timeoutMs: 50 },
      saturation: false,
      runtimeMetrics: false,
    });
    await collector.start();
    collector.recordSignal(GoldenSignals.ERROR_RATE, 0);
    await waitFor(() => receiver!.latest(REQUESTS_METRIC.name)?.value === 1, 5_000, "first push");
    await receiver.stop();
    // Values recorded across several failed exports (counted in the self-metric), not a fixed time.
    const failures = async () =>
      sumOf(await collector!.export("prometheus"), "zoran_telemetry_export_failures_total", {
        exporter: "otlp",
      });
    for (let i = 0; i < 20; i++) {
      collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: "timeout" });
      if (i % 5 === 4) {
        const before = await failures();
        await waitForAsync(async () => (await failures()) > before, 10_000, "one more failed export");
      }
    }
    await receiver.start();
    await waitFor(
      () => receiver!.latest(ERRORS_METRIC.name, { error_type: "timeout" })?.value === 20,
      10_000,
      "errors_total = 20 after recovery",
    );
    expect(receiver.latest(REQUESTS_METRIC.name, { outcome: "error" })?.value).toBe(20);
    expect(receiver.latest(REQUESTS_METRIC.name, { outcome: "ok" })?.value).toBe(1);
  }, 20_000);

  it("shutdown() resolves within its budget when the receiver is down", async () => {
    receiver = await startOtlpReceiver();
    const url = receiver.url;
    await receiver.stop();
    collector = new TelemetryCollector({
      exporter: "otlp",
      otlp: { endpoint: url, intervalMs: 60_000, timeoutMs: 30_000 },
      shutdownTimeoutMs: 1_000,
      saturation: false,
      runtimeMetrics: false,
    });
    await collector.start();
    await collector.trace("unsent", () => collector!.recordSignal(GoldenSignals.LATENCY, 0.1));
    const began = Date.now();
    await collector.shutdown();
    // The budget is 1 s; far below the 30 s of the export's retries, loose for a loaded machine.
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it("export('json') and export('csv') give the serializers' formats", async () => {
    collector = new TelemetryCollector({ exporter: "none", saturation: false, runtimeMetrics: false });
    collector.recordSignal(GoldenSignals.LATENCY, 0.5);
    const json = await collector.export("json");
    expect(json).not.toContain("\n");
    expect(JSON.parse(json).resourceMetrics[0].scopeMetrics.length).toBeGreaterThan(0);
    const csv = await collector.export("csv");
    expect(csv.split("\r\n")[0]?.startsWith("timestamp,start_timestamp,service,")).toBe(true);
    expect(csv).toContain(LATENCY_METRIC.name);
  });
});
