import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import {
  expectPromtoolParses,
  parseWithPython,
  promtool,
  strictParser,
  sumParsed,
} from "../helpers/exposition-check.js";
import { type PrometheusServer, startPrometheus, waitFor } from "../helpers/prometheus-server.js";
import { requireBinary } from "../helpers/require-binary.js";

/**
 * Issue 14, "must show": a page holding colliding instruments (the same name in two meters, a
 * counter `x` beside a gauge `x_total`, a histogram attribute `le`, a gauge `target.info`) is
 * scraped by a real Prometheus 2.42, which keeps the target up the whole time and both meters'
 * values; the same page passes promtool and the strict OpenMetrics parser. Before the fix the
 * `le` attribute alone failed every scrape (`label name "le" is not unique`), losing every golden
 * signal of the process.
 */

const prometheusBin = requireBinary("prometheus");

function recordCollisions(c: TelemetryCollector) {
  c.meterProvider.getMeter("lib-a", "1.0.0").createCounter("case.shared").add(1, { k: "v" });
  c.meterProvider.getMeter("lib-b", "2.0.0").createCounter("case.shared").add(5, { k: "v" });
  c.meter.createCounter("case.x").add(2);
  c.meter.createGauge("case.x_total").record(3);
  c.meter.createHistogram("case.h").record(0.5, { le: "x" });
  c.meter.createGauge("case.h_count").record(4);
  c.meter.createGauge("target.info").record(1);
  for (let i = 0; i < 10; i++)
    c.recordSignal(GoldenSignals.ERROR_RATE, i < 2 ? 1 : 0, { operation: "answer" });
}

describe.skipIf(!prometheusBin)("a real Prometheus 2.42 scraping a page of colliding instruments", () => {
  let scoped: TelemetryCollector;
  let unscoped: TelemetryCollector;
  let prometheus: PrometheusServer;
  let targets: { scoped: string; unscoped: string };

  beforeAll(async () => {
    const common = {
      exporter: "prometheus" as const,
      port: 0,
      saturation: false as const,
      window: false as const,
    };
    scoped = new TelemetryCollector({ serviceName: "collide", ...common });
    unscoped = new TelemetryCollector({
      serviceName: "collide-unscoped",
      ...common,
      prometheus: { withoutScopeInfo: true },
    });
    recordCollisions(scoped);
    recordCollisions(unscoped);
    await scoped.start();
    await unscoped.start();
    targets = { scoped: scoped.url!.replace("http://", ""), unscoped: unscoped.url!.replace("http://", "") };
    prometheus = await startPrometheus({
      binary: prometheusBin!,
      targets: [targets.scoped, targets.unscoped],
      job: "collide",
    });
    // At least five scrapes of each target inside the last minute, so that min_over_time sees them.
    await waitFor("five scrapes of each target", 60_000, async () => {
      const counts = await prometheus.query("count_over_time(up[1m])");
      return counts.length === 2 && counts.every((s) => s.value >= 5);
    });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await scoped?.shutdown();
    await unscoped?.shutdown();
  });

  it("keeps both targets up on every scrape: min_over_time(up[1m]) == 1", async () => {
    const up = await prometheus.query("min_over_time(up[1m])");
    expect(Object.fromEntries(up.map((s) => [s.metric.instance, s.value]))).toEqual({
      [targets.scoped]: 1,
      [targets.unscoped]: 1,
    });
  });

  it("keeps both meters' values apart by otel_scope_name: sum = 1 + 5", async () => {
    const shared = await prometheus.query(`case_shared_total{instance="${targets.scoped}"}`);
    expect(Object.fromEntries(shared.map((s) => [s.metric.otel_scope_name, s.value]))).toEqual({
      "lib-a": 1,
      "lib-b": 5,
    });
    expect((await prometheus.query(`sum(case_shared_total{instance="${targets.scoped}"})`))[0]?.value).toBe(
      6,
    );
    // With withoutScopeInfo the two are one series: the first is kept, the second reported.
    expect((await prometheus.query(`sum(case_shared_total{instance="${targets.unscoped}"})`))[0]?.value).toBe(
      1,
    );
  });

  it("keeps the golden signals, the earlier of two clashing families and the renamed le", async () => {
    expect(
      (await prometheus.query(`sum(zoran_requests_total{instance="${targets.scoped}"})`))[0]?.value,
    ).toBe(10);
    expect((await prometheus.query(`sum(zoran_errors_total{instance="${targets.scoped}"})`))[0]?.value).toBe(
      2,
    );
    expect(
      (await prometheus.query(`case_x_total{instance="${targets.scoped}"}`)).map((s) => s.value),
    ).toEqual([2]);
    const buckets = await prometheus.query(`case_h_bucket{instance="${targets.scoped}",exported_le="x"}`);
    expect(buckets.length).toBe(16);
    const [conflicts] = await prometheus.query(
      `zoran_telemetry_exposition_conflicts_total{instance="${targets.scoped}",kind="family_clash"}`,
    );
    expect(conflicts?.value).toBe(3);
  });

  it("found no duplicate or out-of-order sample in any scrape", async () => {
    const own = await (await fetch(`${prometheus.url}/metrics`)).text();
    for (const name of [
      "prometheus_target_scrapes_sample_duplicate_timestamp_total",
      "prometheus_target_scrapes_sample_out_of_order_total",
      "prometheus_target_scrapes_exceeded_sample_limit_total",
    ]) {
      expect(own).toMatch(new RegExp(`^${name} 0$`, "m"));
    }
  });

  it.skipIf(!promtool || !strictParser)(
    "serves the same page promtool and the strict OpenMetrics parser accept",
    async () => {
      for (const collector of [scoped, unscoped]) {
        const text = await (await fetch(`${collector.url}/metrics`)).text();
        expectPromtoolParses(text);
        const openMetrics = await (
          await fetch(`${collector.url}/metrics`, {
            headers: { Accept: "application/openmetrics-text;version=1.0.0" },
          })
        ).text();
        const parsed = parseWithPython(openMetrics, "openmetrics");
        expect(sumParsed(parsed, "zoran_requests_total")).toBe(10);
      }
    },
  );
});
