import { describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { serializePrometheusToBuffer } from "../../src/exporters/prometheus/prometheus-serializer.js";
import { GoldenSignals } from "../../src/signals/golden-signals.js";
import { EXCHANGES, OUTCOMES } from "../../src/signals/label-values.js";
import { LATENCY_METRIC, REQUESTS_METRIC } from "../../src/signals/metric-definitions.js";
import {
  promtoolCheck as check,
  parseWithPython,
  promtool,
  strictParser,
  sumParsed,
} from "../helpers/exposition-check.js";

const LABEL_SETS = 10_000;

describe.skipIf(!promtool)("promtool check metrics at 10,000 label sets", () => {
  it("accepts the fast serializer's page for 10,000 latency label sets, escapes and non-ASCII included", async () => {
    const collector = new TelemetryCollector({
      serviceName: "promtool-10k",
      exporter: "none",
      saturation: false,
      runtimeMetrics: false,
      window: false,
      cardinalityLimit: 20_000,
    });
    const operations = LABEL_SETS / (EXCHANGES.length - 1) / OUTCOMES.length;
    for (let i = 0; i < operations; i++) {
      // Every 50th name carries text that must be escaped or is multi-byte UTF-8.
      const operation = i % 50 === 0 ? `op "${i}" \\ ünïcode 数据` : `op_${i}`;
      for (const exchange of ["ai_ai", "ai_human"]) {
        for (const outcome of OUTCOMES) {
          collector.recordSignal(GoldenSignals.LATENCY, (i % 100) / 10, { operation, exchange, outcome });
          collector.recordSignal(GoldenSignals.TRAFFIC, 1, {
            kind: "requests",
            operation,
            exchange,
            outcome,
          });
        }
      }
    }
    const text = await collector.export("prometheus");
    const bytes = serializePrometheusToBuffer(await collector.collect());
    const openMetrics = await collector.export("openmetrics");
    await collector.shutdown();

    const latencySeries = text.split(`\n${LATENCY_METRIC.promName}_count{`).length - 1;
    const requestSeries = text.split(`\n${REQUESTS_METRIC.promName}{`).length - 1;
    expect(latencySeries).toBe(LABEL_SETS);
    expect(requestSeries).toBe(LABEL_SETS);
    expect(text).toContain('operation="op \\"0\\" \\\\ ünïcode 数据"');
    expect(bytes.equals(Buffer.from(text, "utf8"))).toBe(true);

    const result = check(bytes);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
    if (strictParser) {
      expect(sumParsed(parseWithPython(openMetrics, "openmetrics"), REQUESTS_METRIC.promName)).toBe(
        LABEL_SETS * 1,
      );
    }
  }, 240_000);

  it("is a real check: promtool rejects a page whose label value lost its escaping", async () => {
    const collector = new TelemetryCollector({
      serviceName: "promtool-10k",
      exporter: "none",
      saturation: false,
      runtimeMetrics: false,
      window: false,
    });
    collector.recordSignal(GoldenSignals.LATENCY, 0.2, { operation: 'say "hi"' });
    const text = await collector.export("prometheus");
    await collector.shutdown();
    expect(check(text).status).toBe(0);
    // What an escaper that forgot quotes would write.
    const broken = text.replaceAll('say \\"hi\\"', 'say "hi"');
    expect(broken).not.toBe(text);
    expect(check(broken).status).not.toBe(0);
  });
});
