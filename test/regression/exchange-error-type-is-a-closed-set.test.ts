/**
 * Issue 15, finding 2: "`ex.fail(x)` puts any value into the GenAI metrics' `error_type` label,
 * unscrubbed and unbounded: an email and a card number land in `/metrics`, OpenMetrics, JSON, CSV
 * and OTLP; one 1 MiB string makes `/metrics` 17 MiB; `ex.fail({ toString() { throw ... } })`
 * makes every later scrape a 500 and `export()` reject, for good (cumulative values)."
 *
 * `ex.fail()` now folds any value outside the closed set of error types into `other`, for the
 * golden signals and the GenAI metrics alike (`error.type`).
 */
import { afterEach, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import type { ErrorType } from "../../src/signals/label-values.js";
import { sumOf } from "../helpers/prometheus-samples.js";

const collectors: TelemetryCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
});

describe("ex.fail() with values outside the closed set", () => {
  it("records them as other: no content, no unbounded label, every export still works", async () => {
    const collector = new TelemetryCollector({ exporter: "none", saturation: false, runtimeMetrics: false });
    collectors.push(collector);
    const hostile: unknown[] = [
      "alice.martin@example.org",
      "4111 1111 1111 1111",
      "x".repeat(1 << 20),
      {
        toString() {
          throw new Error("no string for you");
        },
      },
    ];
    for (const value of hostile) {
      await collector.exchange(
        { operation: "hostile_fail", kind: "ai_human", provider: "openai" },
        async (ex) => {
          ex.fail(value as ErrorType);
          expect(ex.outcome).toBe("other");
        },
      );
    }
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_errors_total", { operation: "hostile_fail", error_type: "other" })).toBe(4);
    expect(sumOf(text, "gen_ai_client_operation_duration_seconds_count", { error_type: "other" })).toBe(4);
    expect(text.length).toBeLessThan(64 * 1024);
    for (const format of ["prometheus", "openmetrics", "json", "csv"] as const) {
      const out = await collector.export(format);
      expect(out).not.toContain("alice.martin");
      expect(out).not.toContain("4111");
      expect(out).not.toContain("xxxxxxxxxx");
    }
  });
});
