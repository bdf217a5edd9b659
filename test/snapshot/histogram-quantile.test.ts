import { describe, expect, it } from "vitest";
import { histogramQuantile, histogramShareAbove } from "../../src/snapshot/histogram-quantile.js";

describe("histogramQuantile", () => {
  const bounds = [1, 2, 4];

  it("interpolates inside the bucket holding the rank, like PromQL", () => {
    // 8 values: 2 in [0,1], 2 in (1,2], 4 in (2,4].
    expect(histogramQuantile(0.5, bounds, [2, 2, 4, 0])).toBeCloseTo(2, 12);
    expect(histogramQuantile(0.75, bounds, [2, 2, 4, 0])).toBeCloseTo(3, 12);
    expect(histogramQuantile(0.125, bounds, [2, 2, 4, 0])).toBeCloseTo(0.5, 12);
  });

  it("answers the last bound when the rank is in the overflow bucket", () => {
    expect(histogramQuantile(0.99, bounds, [1, 0, 0, 9])).toBe(4);
  });

  it("has no value for empty buckets or a quantile outside [0, 1]", () => {
    expect(histogramQuantile(0.5, bounds, [0, 0, 0, 0])).toBeUndefined();
    expect(histogramQuantile(1.5, bounds, [1, 0, 0, 0])).toBeUndefined();
  });
});

describe("histogramShareAbove", () => {
  it("counts the share above a bound exactly and interpolates between bounds", () => {
    expect(histogramShareAbove(2, [1, 2, 4], [2, 2, 4, 0])).toBeCloseTo(0.5, 12);
    // Half of (2,4] lies below 3: 2 + 2 + 2 = 6 of 8 at or below.
    expect(histogramShareAbove(3, [1, 2, 4], [2, 2, 4, 0])).toBeCloseTo(0.25, 12);
    expect(histogramShareAbove(4, [1, 2, 4], [2, 2, 4, 2])).toBeCloseTo(0.2, 12);
  });
});
