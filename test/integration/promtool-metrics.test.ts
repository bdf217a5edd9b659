import { describe, expect, it } from "vitest";
import {
  DIRECTIONS,
  ERROR_TYPES,
  EXCHANGES,
  GoldenSignals,
  OUTCOMES,
  PROBE_RESOURCES,
  TelemetryCollector,
} from "zoran-telemetrie";
import {
  promtoolCheck as check,
  parseWithPython,
  promtool,
  strictParser,
} from "../helpers/exposition-check.js";

describe.skipIf(!promtool)("promtool check metrics", () => {
  it("accepts the endpoint's text after every signal was recorded with every label, with no warning; the strict parser its OpenMetrics", async () => {
    const collector = new TelemetryCollector({
      serviceName: "promtool",
      exporter: "none",
      saturation: { intervalMs: 60_000 },
    });
    await collector.start();
    for (const exchange of EXCHANGES) {
      for (const outcome of OUTCOMES) {
        collector.recordSignal(GoldenSignals.LATENCY, 0.3, { operation: "op", exchange, outcome });
        collector.recordSignal(GoldenSignals.TRAFFIC, 1, {
          kind: "requests",
          operation: "op",
          exchange,
          outcome,
        });
      }
      for (const error_type of ERROR_TYPES) {
        collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { operation: "op", exchange, error_type });
      }
      for (const direction of DIRECTIONS) {
        collector.recordSignal(GoldenSignals.TRAFFIC, 10, {
          kind: "tokens",
          operation: "op",
          exchange,
          direction,
        });
        collector.recordSignal(GoldenSignals.TRAFFIC, 99, {
          kind: "bytes",
          operation: "op",
          exchange,
          direction,
        });
      }
    }
    for (const resource of [...PROBE_RESOURCES, "gpu"])
      collector.recordSignal(GoldenSignals.SATURATION, 0.4, { resource });
    expect(() =>
      collector.trace(
        'quote " backslash \\ newline \n op',
        () => {
          throw new Error("x");
        },
        { exchange: "ai_ai" },
      ),
    ).toThrow("x");
    collector.recordSignal(GoldenSignals.LATENCY, Number.NaN);
    collector.meter.createCounter("app.requests").add(1, { "http.route": "/a" });
    const text = await collector.export("prometheus");
    const openMetrics = await collector.export("openmetrics");
    await collector.shutdown();
    if (strictParser) {
      const families = parseWithPython(openMetrics, "openmetrics").map((f) => f.name);
      expect(families).toContain("zoran_latency_seconds");
      expect(() => parseWithPython(text, "text")).not.toThrow();
    }
    for (const family of [
      "zoran_latency_seconds",
      "zoran_requests_total",
      "zoran_errors_total",
      "zoran_tokens_total",
      "zoran_exchange_size_bytes_total",
      "zoran_saturation_ratio",
      "zoran_telemetry_dropped_total",
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
    const { status, output } = check(text);
    expect(output.trim()).toBe("");
    expect(status).toBe(0);
  });

  it("reports a broken exposition, so the check above can fail", () => {
    const { status } = check('# TYPE x counter\nx_total{a="1"} 1\nx_total{a="1"} 2\n# TYPE x counter\n');
    expect(status).not.toBe(0);
  });
});
