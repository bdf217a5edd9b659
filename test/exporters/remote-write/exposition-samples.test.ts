import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeLabelValue } from "../../../src/exporters/prometheus/prometheus-serializer.js";
import { parseExpositionSamples } from "../../../src/exporters/remote-write/exposition-samples.js";
import { toTimeSeries } from "../../../src/exporters/remote-write/remote-write-exporter.js";

describe("parseExpositionSamples", () => {
  it("reads every sample of a page, comments skipped, special values kept", () => {
    const page = [
      "# HELP zoran_requests_total Operations completed, by outcome.",
      "# TYPE zoran_requests_total counter",
      'zoran_requests_total{operation="a",exchange="none",outcome="ok"} 3',
      'zoran_latency_seconds_bucket{operation="a",le="+Inf"} 2',
      "process_up 1",
      'weird{x=""} NaN',
      'inf_gauge{k="v"} -Inf 1767225600000',
      "",
    ].join("\n");
    expect(parseExpositionSamples(page)).toEqual([
      {
        name: "zoran_requests_total",
        labels: [
          ["operation", "a"],
          ["exchange", "none"],
          ["outcome", "ok"],
        ],
        value: 3,
      },
      {
        name: "zoran_latency_seconds_bucket",
        labels: [
          ["operation", "a"],
          ["le", "+Inf"],
        ],
        value: 2,
      },
      { name: "process_up", labels: [], value: 1 },
      { name: "weird", labels: [["x", ""]], value: Number.NaN },
      { name: "inf_gauge", labels: [["k", "v"]], value: Number.NEGATIVE_INFINITY },
    ]);
  });

  it("reads back any label value the serializer escapes (seeded property, 2,000 runs)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), fc.string({ maxLength: 20 }), (a, b) => {
        const line = `m{a="${escapeLabelValue(a)}",b="${escapeLabelValue(b)}"} 1.5`;
        expect(parseExpositionSamples(line)).toEqual([
          {
            name: "m",
            labels: [
              ["a", a],
              ["b", b],
            ],
            value: 1.5,
          },
        ]);
      }),
      { numRuns: 2_000, seed: 1414 },
    );
  });
});

describe("toTimeSeries", () => {
  it("adds the target labels, names the series with __name__ and sorts the labels by name", () => {
    const [series] = toTimeSeries(
      [{ name: "zoran_requests_total", labels: [["operation", "a"]], value: 2 }],
      { job: "batch", instance: "run-1" },
      1767225600000,
    );
    expect(series).toEqual({
      labels: [
        { name: "__name__", value: "zoran_requests_total" },
        { name: "instance", value: "run-1" },
        { name: "job", value: "batch" },
        { name: "operation", value: "a" },
      ],
      samples: [{ value: 2, timestamp: 1767225600000 }],
    });
  });
});
