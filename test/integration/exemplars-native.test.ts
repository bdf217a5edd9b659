import type { DataPoint, Histogram, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { LATENCY_BOUNDS_SECONDS, LATENCY_METRIC } from "../../src/signals/metric-definitions.js";
import { nativeHistogramFractionBelow, nativeHistogramQuantile } from "../../src/signals/promql.js";
import { histogramQuantile } from "../../src/snapshot/histogram-quantile.js";
import { exactQuantile, logNormalValues } from "../exporters/prometheus/extension-fixtures.js";
import { type OtlpReceiver, startOtlpReceiver } from "../helpers/otlp-receiver.js";
import { type PrometheusServer, startPrometheus, waitFor } from "../helpers/prometheus-server.js";
import { requireBinary } from "../helpers/require-binary.js";

/*
 * Issue 17 end to end through the collector: trace() and recordSignal() -> the store -> /metrics
 * -> Prometheus 2.42. The serializer side alone (hand-made snapshots) is tested in
 * test/exporters/prometheus/ and test/integration/exposition-native-exemplars.test.ts.
 */

const prometheusBin = requireBinary("prometheus");

function latencyPoints(snapshot: ResourceMetrics): DataPoint<Histogram>[] {
  return snapshot.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === LATENCY_METRIC.name)
    .flatMap((metric) => metric.dataPoints as DataPoint<Histogram>[]);
}

describe.skipIf(!prometheusBin)("exemplars from trace() to Prometheus 2.42 (exemplar-storage)", () => {
  let collector: TelemetryCollector;
  let receiver: OtlpReceiver;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    collector = new TelemetryCollector({
      serviceName: "exemplars-e2e",
      exporter: ["prometheus", "otlp"],
      port: 0,
      saturation: false,
      window: false,
      otlp: { endpoint: receiver.url, intervalMs: 60_000 },
    });
    await collector.start();
    for (let i = 0; i < 20; i++) {
      await collector.trace("answer", async () => {
        collector.recordSignal(GoldenSignals.LATENCY, 0.05 * (i + 1));
      });
    }
    prometheus = await startPrometheus({
      binary: prometheusBin!,
      targets: [collector.url!.replace("http://", "")],
      job: "exemplars-e2e",
      flags: ["--enable-feature=exemplar-storage"],
    });
    await waitFor(
      "the latency buckets",
      60_000,
      async () => (await prometheus.query("zoran_latency_seconds_bucket")).length > 0,
    );
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await collector?.shutdown();
    await receiver?.stop();
  });

  it("returns exemplars on zoran_latency_seconds_bucket whose trace_id is a span the service exported over OTLP", async () => {
    const params = new URLSearchParams({
      query: "zoran_latency_seconds_bucket",
      start: String(Math.floor(Date.now() / 1000) - 600),
      end: String(Math.ceil(Date.now() / 1000) + 60),
    });
    let series: { exemplars: { labels: Record<string, string> }[] }[] = [];
    await waitFor("exemplars", 30_000, async () => {
      const body = (await (await fetch(`${prometheus.url}/api/v1/query_exemplars?${params}`)).json()) as {
        data: typeof series;
      };
      series = body.data;
      return series.length > 0;
    });
    // The spans reach the receiver with the next batch export (every few seconds).
    await waitFor(
      "the spans over OTLP",
      30_000,
      () => receiver.spans.filter((s) => s.name === "answer").length === 20,
    );
    const traceIds = new Set(receiver.spans.filter((s) => s.name === "answer").map((s) => s.traceId));
    expect(traceIds.size).toBe(20);
    const exemplarTraceIds = series.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
    expect(exemplarTraceIds.length).toBeGreaterThan(0);
    for (const id of exemplarTraceIds) expect(traceIds.has(id!)).toBe(true);
  });
});

describe.skipIf(!prometheusBin)("native latency histograms from recordSignal to Prometheus 2.42", () => {
  const COUNT = 20_000;
  const values = logNormalValues(COUNT, -1, 0.5, 29);
  let collector: TelemetryCollector;
  let prometheus: PrometheusServer;
  const selector = 'zoran_latency_seconds{operation="lognormal"}';

  beforeAll(async () => {
    collector = new TelemetryCollector({
      serviceName: "native-e2e",
      exporter: "prometheus",
      port: 0,
      saturation: false,
      window: false,
      nativeHistograms: true,
    });
    await collector.start();
    prometheus = await startPrometheus({
      binary: prometheusBin!,
      targets: [collector.url!.replace("http://", "")],
      job: "native-e2e",
      flags: ["--enable-feature=native-histograms"],
    });
    // One value first, scraped on its own: rate() then covers exactly the other 19,999.
    collector.recordSignal(GoldenSignals.LATENCY, values[0]!, { operation: "lognormal" });
    await waitFor(
      "the first value",
      60_000,
      async () => (await prometheus.query(`histogram_count(${selector})`))[0]?.value === 1,
    );
    for (const value of values.slice(1))
      collector.recordSignal(GoldenSignals.LATENCY, value, { operation: "lognormal" });
    await waitFor(
      "all values",
      60_000,
      async () => (await prometheus.query(`histogram_count(${selector})`))[0]?.value === COUNT,
    );
  }, 180_000);

  afterAll(async () => {
    await prometheus?.stop();
    await collector?.shutdown();
  });

  it("counts every value: histogram_count equals the number recorded", async () => {
    expect((await prometheus.query(`histogram_count(sum(${selector}))`))[0]?.value).toBe(COUNT);
  });

  it("estimates p99 within 5% of the exact p99 of 20,000 log-normal values (classic estimate beside it)", async () => {
    const [p99] = await prometheus.query(`histogram_quantile(0.99, sum(rate(${selector}[1m])))`);
    const exact = exactQuantile(values.slice(1), 0.99);
    const point = latencyPoints(await collector.collect()).find(
      (p) => p.attributes.operation === "lognormal",
    )!;
    const classic = histogramQuantile(0.99, LATENCY_BOUNDS_SECONDS, point.value.buckets.counts);
    console.info(
      `[native e2e] exact p99 ${exact.toFixed(4)} s; native ${p99!.value.toFixed(4)} s; classic buckets ${classic?.toFixed(4)} s`,
    );
    expect(Math.abs(p99!.value - exact) / exact).toBeLessThan(0.05);
  });

  it("answers the generated native dashboard panel and native SLO rule: p99 within 5%, good share within 1 point", async () => {
    const recorded = values.slice(1);
    const p99Query = nativeHistogramQuantile(LATENCY_METRIC, {
      matchers: { operation: "lognormal" },
      quantile: 0.99,
      window: "1m",
    });
    const exact = exactQuantile(recorded, 0.99);
    const [p99] = await prometheus.query(p99Query);
    expect(Math.abs(p99!.value - exact) / exact).toBeLessThan(0.05);

    // The shipped native rule file's SLO expression (threshold 2.56 s), over this series.
    const threshold = 0.5;
    const good = await prometheus.query(
      `1 - ${nativeHistogramFractionBelow(LATENCY_METRIC, threshold, { matchers: { operation: "lognormal" }, window: "1m" })}`,
    );
    const exactBad = recorded.filter((v) => v > threshold).length / recorded.length;
    console.info(
      `[native e2e] share above ${threshold} s: exact ${exactBad.toFixed(4)}, native ${good[0]!.value.toFixed(4)}`,
    );
    expect(Math.abs(good[0]!.value - exactBad)).toBeLessThan(0.01);
  });
});
