import { readFileSync } from "node:fs";
import type { DataPoint, Histogram, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { DataPointType } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { serializeJsonLines } from "../../../src/exporters/json/json-lines-serializer.js";
import { decodeMetricsRequest } from "../../helpers/otlp-receiver.js";
import { GoldenSignalSetup } from "../otlp/golden-signal-setup.js";
import { FORMULA_OPERATION, fixedSnapshot, TRICKY_OPERATION } from "./fixed-snapshot.js";

/** The snapshot's data points in the receiver's flat shape, to compare with what a reader decodes. */
function flatten(snapshot: ResourceMetrics) {
  return snapshot.scopeMetrics.flatMap((sm) =>
    sm.metrics.flatMap((m) =>
      (m.dataPoints as DataPoint<unknown>[]).map((p) => {
        const common = { name: m.descriptor.name, unit: m.descriptor.unit, attributes: p.attributes };
        if (m.dataPointType !== DataPointType.HISTOGRAM) return { ...common, value: p.value as number };
        const h = p.value as Histogram;
        return {
          ...common,
          count: h.count,
          sum: h.sum,
          bucketCounts: h.buckets.counts,
          explicitBounds: h.buckets.boundaries,
        };
      }),
    ),
  );
}

describe("serializeJsonLines", () => {
  it("writes one OTLP/JSON ExportMetricsServiceRequest on a single line", () => {
    const line = serializeJsonLines(fixedSnapshot());
    expect(line).not.toContain("\n");
    const request = JSON.parse(line);
    expect(Object.keys(request)).toEqual(["resourceMetrics"]);
    expect(request.resourceMetrics[0].scopeMetrics[0].scope.name).toBe("zoran-telemetrie");
  });

  it("round-trips the snapshot: every point, attribute and value comes back", () => {
    const snapshot = fixedSnapshot();
    const decoded = decodeMetricsRequest(new TextEncoder().encode(serializeJsonLines(snapshot)), "json");
    expect(
      decoded.map(({ name, unit, attributes, value, count, sum, bucketCounts, explicitBounds }) =>
        value === undefined
          ? { name, unit, attributes, count, sum, bucketCounts, explicitBounds }
          : { name, unit, attributes, value },
      ),
    ).toEqual(flatten(snapshot));
    expect(decoded.map((p) => p.attributes.operation)).toContain(FORMULA_OPERATION);
    expect(decoded.map((p) => p.attributes.operation)).toContain(TRICKY_OPERATION);
    expect(decoded[0]?.timeUnixNano).toBe(1_767_225_660_500_000_000n);
  });

  it("round-trips a live snapshot of the golden-signal instruments", async () => {
    const store = new GoldenSignalSetup();
    store.recordOperation("summarize", 0.245);
    store.recordOperation("summarize", 7, true);
    const snapshot = await store.collect();
    const decoded = decodeMetricsRequest(new TextEncoder().encode(serializeJsonLines(snapshot)), "json");
    expect(decoded).toHaveLength(flatten(snapshot).length);
    expect(decoded.find((p) => p.name === "zoran.latency" && p.attributes.outcome === "error")).toMatchObject(
      {
        count: 1,
        sum: 7,
      },
    );
    await store.close();
  });

  it("matches the golden file test/fixtures/golden-signals.jsonl", () => {
    const golden = readFileSync(new URL("../../fixtures/golden-signals.jsonl", import.meta.url), "utf8");
    expect(`${serializeJsonLines(fixedSnapshot())}\n`).toBe(golden);
  });
});
