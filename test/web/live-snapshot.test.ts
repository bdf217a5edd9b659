import { afterEach, describe, expect, it } from "vitest";
import type { AlertState } from "../../src/alerting/alert-state.js";
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";
import { buildLiveSnapshot, type LiveSnapshotOptions } from "../../src/web/live-snapshot.js";
import { WindowStore } from "../../src/window/window-store.js";

const STEP_MS = 1_000;
const T0 = 1_700_000_000_000;

const collectors: TelemetryCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
});

function setup() {
  const collector = new TelemetryCollector({
    serviceName: "snapshot-test",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
  });
  collectors.push(collector);
  const window = new WindowStore({ intervalMs: STEP_MS, retentionMs: 120_000 });
  const build = (nowMs: number, extra: Partial<LiveSnapshotOptions> = {}) =>
    buildLiveSnapshot({
      serviceName: "snapshot-test",
      window,
      historyMs: 30_000,
      summaryWindowMs: 10_000,
      refreshMs: 2_000,
      maxOperations: 50,
      maxResources: 8,
      nowMs,
      ...extra,
    });
  return { collector, window, build };
}

/** One operation outside trace(): ERROR_RATE is one completed request, LATENCY one observation. */
function operation(collector: TelemetryCollector, name: string, latency: number, errorType?: string): void {
  collector.recordSignal(GoldenSignals.LATENCY, latency, { operation: name });
  collector.recordSignal(GoldenSignals.ERROR_RATE, errorType === undefined ? 0 : 1, {
    operation: name,
    ...(errorType === undefined ? {} : { error_type: errorType }),
  });
}

describe("buildLiveSnapshot", () => {
  it("gives every panel only gaps and empty tables before anything is recorded", async () => {
    const { collector, window, build } = setup();
    window.ingest(await collector.collect(), T0);
    const snapshot = build(T0 + 5_000);
    expect(snapshot.timestamps).toHaveLength(30);
    for (const series of snapshot.charts.latency.series)
      expect(series.values.every((v) => v === null)).toBe(true);
    expect(snapshot.charts.errors.series).toHaveLength(1);
    expect(snapshot.charts.errors.series[0]!.values.every((v) => v === null)).toBe(true);
    expect(snapshot.charts.saturation.series).toEqual([]);
    expect(snapshot.operations).toEqual([]);
    expect(snapshot.errorTypes).toEqual([]);
    expect(snapshot.alerts).toBeNull();
  });

  it("charts requests per second, error ratio and latency from ingested snapshots", async () => {
    const { collector, window, build } = setup();
    // 20 s of traffic: 10 chat operations per second (1 in 10 times out), 5 embed per second.
    for (let second = 1; second <= 20; second++) {
      for (let i = 0; i < 10; i++) operation(collector, "chat", 0.5, i === 0 ? "timeout" : undefined);
      for (let i = 0; i < 5; i++) operation(collector, "embed", 0.02);
      window.ingest(await collector.collect(), T0 + second * STEP_MS + 100);
    }
    const snapshot = build(T0 + 21 * STEP_MS + 500);
    expect(snapshot.stepMs).toBe(STEP_MS);
    expect(snapshot.pointWindowMs).toBe(5 * STEP_MS);
    // The newest (still filling) interval is left out: the last point is one interval back.
    expect(snapshot.timestamps.at(-1)).toBe((T0 + 20 * STEP_MS) / 1000);
    expect(snapshot.timestamps[1]! - snapshot.timestamps[0]!).toBe(STEP_MS / 1000);

    const [requests, tokens] = snapshot.charts.traffic.series;
    expect(requests!.label).toBe("requests/s");
    expect(requests!.values.at(-1)).toBeCloseTo(15, 6);
    // No token was ever recorded: no series, so gaps rather than a made-up zero.
    expect(tokens!.values.at(-1)).toBeNull();
    const [all, timeout] = snapshot.charts.errors.series;
    expect(all!.values.at(-1)).toBeCloseTo(10 / 150, 6);
    expect(timeout!.label).toBe("timeout");
    expect(timeout!.values.at(-1)).toBeCloseTo(10 / 150, 6);
    const p50 = snapshot.charts.latency.series[0]!.values.at(-1)!;
    const p99 = snapshot.charts.latency.series[2]!.values.at(-1)!;
    // Bucket estimates: the median lies in the embed/chat mix, p99 in chat's (0.32, 0.64] bucket.
    expect(p99).toBeGreaterThan(0.32);
    expect(p99).toBeLessThanOrEqual(0.64);
    expect(p50).toBeLessThan(p99);
    // Before the first ingest the charts have no latency: gaps, not zeros.
    expect(snapshot.charts.latency.series[0]!.values[0]).toBeNull();
  });

  it("breaks traffic down per operation and error type over the summary window", async () => {
    const { collector, window, build } = setup();
    for (let second = 1; second <= 12; second++) {
      for (let i = 0; i < 10; i++) operation(collector, "chat", 0.5, i < 2 ? "timeout" : undefined);
      for (let i = 0; i < 4; i++)
        operation(collector, "embed", 0.02, i === 0 ? "invalid_response" : undefined);
      collector.recordSignal(GoldenSignals.TRAFFIC, 300, {
        kind: "tokens",
        direction: "input",
        operation: "chat",
      });
      window.ingest(await collector.collect(), T0 + second * STEP_MS + 100);
    }
    const snapshot = build(T0 + 12 * STEP_MS + 500);
    expect(snapshot.operations.map((row) => row.operation)).toEqual(["chat", "embed"]);
    const [chat, embed] = snapshot.operations;
    expect(chat!.exchange).toBe("none");
    expect(chat!.requestsPerSecond).toBeCloseTo(10, 6);
    expect(chat!.errorRatio).toBeCloseTo(0.2, 6);
    expect(chat!.tokensPerSecond).toBeCloseTo(300, 6);
    expect(chat!.p95Seconds).toBeGreaterThan(0.32);
    expect(embed!.errorRatio).toBeCloseTo(0.25, 6);
    expect(embed!.tokensPerSecond).toBe(0);
    expect(snapshot.errorTypes).toEqual([
      { errorType: "timeout", perSecond: expect.closeTo(2, 6), ratio: expect.closeTo(20 / 140, 6) },
      { errorType: "invalid_response", perSecond: expect.closeTo(1, 6), ratio: expect.closeTo(10 / 140, 6) },
    ]);
  });

  it("keeps the busiest operations and counts the rest", async () => {
    const { collector, window, build } = setup();
    for (let op = 0; op < 5; op++) {
      for (let i = 0; i <= op; i++) operation(collector, `op${op}`, 0.1);
    }
    window.ingest(await collector.collect(), T0 + 1_100);
    const snapshot = build(T0 + 1_500, { maxOperations: 2 });
    expect(snapshot.operations.map((row) => row.operation)).toEqual(["op4", "op3"]);
    expect(snapshot.operationsOmitted).toBe(3);
  });

  it("draws one saturation line per resource, probes first", async () => {
    const { collector, window, build } = setup();
    for (let second = 1; second <= 3; second++) {
      collector.recordSignal(GoldenSignals.SATURATION, 0.9, { resource: "gpu_pool" });
      collector.recordSignal(GoldenSignals.SATURATION, 0.1 * second, { resource: "cpu" });
      window.ingest(await collector.collect(), T0 + second * STEP_MS + 100);
    }
    const snapshot = build(T0 + 4 * STEP_MS + 500);
    expect(snapshot.charts.saturation.series.map((s) => s.label)).toEqual(["cpu", "gpu_pool"]);
    const cpu = snapshot.charts.saturation.series[0]!.values;
    expect(cpu.at(-1)).toBeCloseTo(0.3, 6);
    expect(snapshot.charts.saturation.series[1]!.values.at(-1)).toBeCloseTo(0.9, 6);
  });

  it("passes alert states through without alertname and severity in the labels", async () => {
    const { build } = setup();
    const state: AlertState = {
      name: "ChatSlow",
      status: "firing",
      severity: "critical",
      labels: { alertname: "ChatSlow", severity: "critical", service: "s", operation: "<b>chat</b>" },
      annotations: {},
      value: 2.5,
      threshold: 2,
      activeAt: "2024-01-01T00:00:00.000Z",
      firedAt: "2024-01-01T00:05:00.000Z",
      resolvedAt: null,
      lastEvaluatedAt: "2024-01-01T00:06:00.000Z",
      fingerprint: "abc",
    };
    const snapshot = build(T0, { alerts: () => [state] });
    expect(snapshot.alerts).toEqual([
      {
        name: "ChatSlow",
        status: "firing",
        severity: "critical",
        value: 2.5,
        threshold: 2,
        activeAt: "2024-01-01T00:00:00.000Z",
        labels: { service: "s", operation: "<b>chat</b>" },
      },
    ]);
    expect(build(T0, { alerts: () => [] }).alerts).toEqual([]);
  });

  it("clamps the history to what the store keeps", async () => {
    const { collector, window, build } = setup();
    window.ingest(await collector.collect(), T0);
    const snapshot = build(T0 + 2_000, { historyMs: 3_600_000 });
    expect(snapshot.historyMs).toBe(120_000);
    expect(snapshot.timestamps).toHaveLength(120);
  });
});
