import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { type PrometheusServer, startPrometheus, waitFor } from "../helpers/prometheus-server.js";
import { requireBinary } from "../helpers/require-binary.js";

const prometheusBin = requireBinary("prometheus");

describe.skipIf(!prometheusBin)("a real Prometheus 2.42 scraping the endpoint", () => {
  let collector: TelemetryCollector;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    collector = new TelemetryCollector({ serviceName: "scrape-test", exporter: "prometheus", port: 0 });
    // Known values: 40 operations, 4 of them failed (3 timeouts, 1 crash); latencies 0.1 s and 0.5 s.
    for (let i = 0; i < 40; i++) {
      const failed = i < 4;
      collector.trace(
        "answer",
        () => {
          collector.recordSignal(GoldenSignals.LATENCY, i % 2 === 0 ? 0.1 : 0.5);
          collector.recordSignal(GoldenSignals.TRAFFIC, 100, { kind: "tokens", direction: "input" });
          if (failed)
            collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: i < 3 ? "timeout" : "crash" });
        },
        { exchange: "ai_human" },
      );
    }
    await collector.start();
    prometheus = await startPrometheus({
      binary: prometheusBin!,
      targets: [collector.url!.replace("http://", "")],
      job: "scrape-test",
    });
    await waitFor("up == 1", 30_000, async () => (await prometheus.query("up == 1")).length === 1);
    await waitFor(
      "the first samples",
      30_000,
      async () => (await prometheus.query("zoran_requests_total")).length > 0,
    );
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await collector?.shutdown();
  });

  it("returns exactly the recorded request and error counts", async () => {
    expect((await prometheus.query("sum(zoran_requests_total)"))[0]?.value).toBe(40);
    const errors = await prometheus.query("sum by (error_type) (zoran_errors_total)");
    const byType = Object.fromEntries(errors.map((s) => [s.metric.error_type, s.value]));
    expect(byType).toEqual({ timeout: 3, crash: 1 });
    expect(
      (await prometheus.query('sum(zoran_requests_total{outcome="error",exchange="ai_human"})'))[0]?.value,
    ).toBe(4);
    expect((await prometheus.query('sum(zoran_tokens_total{direction="input"})'))[0]?.value).toBe(4000);
  });

  it("estimates the median latency within its bucket", async () => {
    const [median] = await prometheus.query(
      "histogram_quantile(0.5, sum by (le) (zoran_latency_seconds_bucket))",
    );
    // Half the operations took 0.1 s (bucket 0.08..0.16), half 0.5 s (bucket 0.32..0.64).
    expect(median!.value).toBeGreaterThanOrEqual(0.08);
    expect(median!.value).toBeLessThanOrEqual(0.16);
    const [p90] = await prometheus.query(
      "histogram_quantile(0.9, sum by (le) (zoran_latency_seconds_bucket))",
    );
    expect(p90!.value).toBeGreaterThanOrEqual(0.32);
    expect(p90!.value).toBeLessThanOrEqual(0.64);
  });

  it("reads the CPU saturation as a ratio, with the service identity in target_info", async () => {
    const [cpu] = await prometheus.query('zoran_saturation_ratio{resource="cpu"}');
    expect(cpu!.value).toBeGreaterThanOrEqual(0);
    expect(cpu!.value).toBeLessThanOrEqual(1);
    const [info] = await prometheus.query("target_info");
    expect(info!.metric.service_name).toBe("scrape-test");
    expect(info!.metric.job).toBe("scrape-test");
  });
});
