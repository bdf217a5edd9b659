import type { DiagLogger } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RemoteWriteExporterOptions } from "../../src/exporters/remote-write/remote-write-exporter.js";
import { GoldenSignals, TelemetryCollector, type TelemetryCollectorOptions } from "../../src/index.js";
import { freePort, waitFor } from "../helpers/prometheus-server.js";
import { requireBinary } from "../helpers/require-binary.js";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "../helpers/victoria-metrics.js";

/**
 * Issue 14, item 5: Prometheus remote write (snappy-compressed protobuf WriteRequest) into a real
 * VictoriaMetrics 1.79 (Debian `victoria-metrics`) on 127.0.0.1, read back with PromQL/MetricsQL.
 */
const binary = requireBinary("victoria-metrics");

describe.skipIf(binary === null)("the remote-write exporter, into a real VictoriaMetrics", () => {
  let victoria: VictoriaMetricsServer;
  const collectors: TelemetryCollector[] = [];

  beforeAll(async () => {
    victoria = await startVictoriaMetrics({ binary: binary! });
  }, 30_000);

  afterAll(() => victoria?.stop());

  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
  });

  function create(remoteWrite: Partial<RemoteWriteExporterOptions>, extra: TelemetryCollectorOptions = {}) {
    const collector = new TelemetryCollector({
      serviceName: "ingest",
      resourceAttributes: { "service.instance.id": "ingest-1" },
      exporter: "remote_write",
      remoteWrite: { url: victoria.remoteWriteUrl, ...remoteWrite },
      saturation: false,
      runtimeMetrics: false,
      window: false,
      flushOnExit: false,
      ...extra,
    });
    collectors.push(collector);
    return collector;
  }

  /** Series of `expr`, once VictoriaMetrics shows any (a new series is searchable a moment after it is written). */
  async function seriesOf(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    let found: { metric: Record<string, string>; value: number }[] = [];
    await waitFor(`VictoriaMetrics to show ${expr}`, 15_000, async () => {
      await victoria.flush();
      found = await victoria.query(expr);
      return found.length > 0;
    });
    return found;
  }

  async function value(expr: string): Promise<number | undefined> {
    return (await seriesOf(expr))[0]?.value;
  }

  it("writes the same series as /metrics, with job and instance from the resource", async () => {
    const collector = create({});
    await collector.start();
    for (let i = 0; i < 7; i++) collector.trace("load_rows", () => undefined);
    collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "load_rows", error_type: "timeout" });
    collector.recordSignal(GoldenSignals.TRAFFIC, 321, {
      operation: "load_rows",
      kind: "tokens",
      direction: "input",
    });
    await collector.shutdown();
    expect(
      await value('sum(zoran_requests_total{job="ingest",instance="ingest-1",operation="load_rows"})'),
    ).toBe(8);
    expect(await value('sum(zoran_errors_total{job="ingest",error_type="timeout"})')).toBe(1);
    expect(await value('sum(zoran_tokens_total{job="ingest",direction="input"})')).toBe(321);
    // Histogram series, bucket by bucket: the +Inf bucket holds every observation.
    expect(
      await value('sum(zoran_latency_seconds_bucket{job="ingest",operation="load_rows",le="+Inf"})'),
    ).toBe(7);
    expect(await value('sum(zoran_latency_seconds_count{job="ingest",operation="load_rows"})')).toBe(7);
    // Resource attributes as target_info, as a scrape would have them.
    expect(await value('target_info{job="ingest",instance="ingest-1",service_name="ingest"}')).toBe(1);
  });

  it("keeps label values intact: quotes, backslashes and non-ASCII text", async () => {
    const collector = create({ labels: { job: "escapes" } });
    await collector.start();
    const operation = 'résumé "v2" \\ path';
    collector.trace(operation, () => undefined);
    await collector.shutdown();
    const series = await seriesOf('zoran_requests_total{job="escapes"}');
    expect(series.map((s) => s.metric.operation)).toEqual([operation]);
  });

  it("pushes every intervalMs while running: one sample per push, the last one the total", async () => {
    const collector = create({ labels: { job: "periodic" }, intervalMs: 150 });
    await collector.start();
    collector.trace("tick", () => undefined);
    await waitFor("three pushes", 10_000, async () => {
      await victoria.flush();
      const [count] = await victoria.query('count_over_time(zoran_requests_total{job="periodic"}[5m])');
      return (count?.value ?? 0) >= 3;
    });
    collector.trace("tick", () => undefined);
    await collector.shutdown();
    // The final push at shutdown carries the second operation (samples are visible a moment later).
    let last: number | undefined;
    await waitFor("the final push", 15_000, async () => {
      await victoria.flush();
      last = (await victoria.query('last_over_time(zoran_requests_total{job="periodic"}[5m])'))[0]?.value;
      return last === 2;
    }).catch(() => undefined);
    expect(last).toBe(2);
  });

  it("reports a receiver that is down and keeps the application running", async () => {
    const messages: string[] = [];
    const push = (message: string) => void messages.push(message);
    const diag: DiagLogger = { error: push, warn: push, info() {}, debug() {}, verbose() {} };
    const collector = create(
      { url: `http://127.0.0.1:${await freePort()}/api/v1/write`, timeoutMs: 1_000 },
      { diag, shutdownTimeoutMs: 2_000 },
    );
    await collector.start();
    collector.trace("lost", () => undefined);
    await collector.shutdown();
    expect(messages.join("\n")).toContain("remote_write");
    expect(await collector.export("prometheus")).toContain(
      'zoran_telemetry_export_failures_total{exporter="remote_write"} 1',
    );
  });
});
