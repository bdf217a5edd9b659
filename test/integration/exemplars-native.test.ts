import type { DataPoint, Histogram, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector, type TelemetryCollectorOptions } from "zoran-telemetrie";
import { LATENCY_BOUNDS_SECONDS, LATENCY_METRIC } from "../../src/signals/metric-definitions.js";
import { histogramQuantile } from "../../src/snapshot/histogram-quantile.js";
import { exemplarsOf, nativeOf } from "../../src/snapshot/point-extensions.js";
import { exactQuantile, logNormalValues } from "../exporters/prometheus/extension-fixtures.js";
import { type OtlpReceiver, startOtlpReceiver } from "../helpers/otlp-receiver.js";
import { type PrometheusServer, startPrometheus, waitFor } from "../helpers/prometheus-server.js";
import { requireBinary } from "../helpers/require-binary.js";

/*
 * ============================================================================================
 * END-TO-END TESTS OF ISSUE 17 THROUGH THE COLLECTOR: they need both branches merged.
 *
 * The serializer side (exemplars in OpenMetrics/protobuf, native histograms in protobuf) is
 * tested with hand-made snapshots in test/exporters/prometheus/ and against real Prometheus in
 * test/integration/exposition-native-exemplars.test.ts. These tests run the whole path (trace()
 * and recordSignal() -> the store -> /metrics -> Prometheus 2.42), so they need the recording
 * kernel to attach `exemplars` and `native` to data points (src/snapshot/point-extensions.ts).
 *
 * They detect it at load time (a probe collector records and collects once) and skip with a
 * printed reason while the store attaches nothing, so they turn on by themselves after the merge.
 * Under CI=true a missing Prometheus fails as usual; a store without the feature skips (it is
 * a work-in-progress state, not a broken machine).
 * ============================================================================================
 */

const prometheusBin = requireBinary("prometheus");

// `nativeHistograms` is the collector option of DESIGN §2 (turn 2), added by the kernel branch.
const NATIVE_OPTION = { nativeHistograms: true } as unknown as TelemetryCollectorOptions;

function latencyPoints(snapshot: ResourceMetrics): DataPoint<Histogram>[] {
  return snapshot.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === LATENCY_METRIC.name)
    .flatMap((metric) => metric.dataPoints as DataPoint<Histogram>[]);
}

/** Does the store attach exemplars to latency points recorded inside a sampled span? */
async function storeAttachesExemplars(): Promise<boolean> {
  const probe = new TelemetryCollector({
    serviceName: "probe",
    exporter: "none",
    saturation: false,
    window: false,
  });
  try {
    await probe.trace("probe", () => probe.recordSignal(GoldenSignals.LATENCY, 0.2));
    return latencyPoints(await probe.collect()).some((p) =>
      (exemplarsOf(p) ?? []).some((e) => e !== undefined),
    );
  } finally {
    await probe.shutdown();
  }
}

/** Does the store attach a native histogram with `nativeHistograms: true`? */
async function storeAttachesNative(): Promise<boolean> {
  const probe = new TelemetryCollector({
    serviceName: "probe",
    exporter: "none",
    saturation: false,
    window: false,
    ...NATIVE_OPTION,
  });
  try {
    probe.recordSignal(GoldenSignals.LATENCY, 0.2);
    return latencyPoints(await probe.collect()).some((p) => nativeOf(p) !== undefined);
  } finally {
    await probe.shutdown();
  }
}

const exemplarsReady = await storeAttachesExemplars();
const nativeReady = await storeAttachesNative();
if (!exemplarsReady) {
  console.warn(
    "[skip] exemplars end to end: the store attaches no exemplars yet (recording kernel branch not merged)",
  );
}
if (!nativeReady) {
  console.warn(
    "[skip] native histograms end to end: the store attaches no native histogram with nativeHistograms: true yet (recording kernel branch not merged)",
  );
}

describe.skipIf(!prometheusBin || !exemplarsReady)(
  "exemplars from trace() to Prometheus 2.42 (exemplar-storage)",
  () => {
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
  },
);

describe.skipIf(!prometheusBin || !nativeReady)(
  "native latency histograms from recordSignal to Prometheus 2.42",
  () => {
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
        ...NATIVE_OPTION,
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
  },
);
