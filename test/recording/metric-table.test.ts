import { describe, expect, it } from "vitest";
import { MetricTable } from "../../src/recording/metric-table.js";
import { EXCHANGES, OUTCOMES } from "../../src/signals/label-values.js";
import { LATENCY_BOUNDS_SECONDS, REQUESTS_METRIC } from "../../src/signals/metric-definitions.js";

function table(limit: number, kind: "counter" | "histogram" = "counter") {
  let overflows = 0;
  const t = new MetricTable({
    definition: REQUESTS_METRIC,
    kind,
    closedSets: [EXCHANGES, OUTCOMES],
    cardinalityLimit: limit,
    ...(kind === "histogram" ? { bounds: LATENCY_BOUNDS_SECONDS } : {}),
    onOverflow: () => overflows++,
  });
  return { t, overflows: () => overflows };
}

describe("MetricTable", () => {
  it("returns the same series for the same value and slot, and another for another slot", () => {
    const { t } = table(10);
    expect(t.seriesOf("a", 0)).toBe(t.seriesOf("a", 0));
    expect(t.seriesOf("a", 1)).not.toBe(t.seriesOf("a", 0));
    expect(t.seriesOf("b", 1)).not.toBe(t.seriesOf("a", 1));
    expect(t.size).toBe(3);
  });

  it("gives each series its label values: the free text, then the closed sets of its slot", () => {
    const { t } = table(10);
    // Slot 3 = exchange 1 (ai_human) * 2 outcomes + outcome 1 (error).
    expect(t.labelValues(t.seriesOf("answer", 3))).toEqual(["answer", "ai_human", "error"]);
    expect(t.labelValues(t.seriesOf("embed", 4))).toEqual(["embed", "none", "ok"]);
  });

  it("shares series between raw values that scrub to the same text", () => {
    const { t } = table(10);
    const a = t.seriesOf("user a@example.com", 0);
    const b = t.seriesOf("user b@example.org", 0);
    expect(a).toBe(b);
    expect(t.labelValues(a)![0]).toBe("user <email>");
  });

  it("keeps each series' numbers apart across chunks of 256 series", () => {
    const { t } = table(10_000);
    const series = Array.from({ length: 600 }, (_, i) => t.seriesOf(`op_${i}`, i % 6));
    for (const [i, s] of series.entries()) t.add(s, i);
    expect(series.map((s) => t.valueOf(s))).toEqual(series.map((_, i) => i));
    expect(new Set(series).size).toBe(600);
  });

  it("records histogram observations in inclusive upper-bound buckets, with sum, min and max", () => {
    const { t } = table(10, "histogram");
    const s = t.seriesOf("a", 0);
    expect(t.observe(s, 0.01)).toBe(0);
    expect(t.observe(s, 0.011)).toBe(1);
    expect(t.observe(s, 1000)).toBe(LATENCY_BOUNDS_SECONDS.length);
    const data = t.dataOf(s);
    const o = t.offsetOf(s);
    const n = LATENCY_BOUNDS_SECONDS.length;
    expect([data[o], data[o + 1], data[o + n]]).toEqual([1, 1, 1]);
    expect(data[o + n + 1]).toBeCloseTo(1000.021, 9);
    expect([data[o + n + 2], data[o + n + 3]]).toEqual([0.01, 1000]);
  });

  it("sends values past the limit to one overflow series, and keeps doing so", () => {
    const { t, overflows } = table(3);
    for (const key of ["a", "b", "c"]) t.seriesOf(key, 0);
    const overflow = t.seriesOf("d", 0);
    expect(t.overflowIndex).toBe(overflow);
    expect(t.labelValues(overflow)).toBeUndefined();
    expect(t.seriesOf("a", 2)).toBe(overflow);
    expect(t.seriesOf("e", 1)).toBe(overflow);
    expect(t.labelValues(t.seriesOf("a", 0))).toEqual(["a", "ai_ai", "ok"]);
    expect(t.created).toBe(3);
    expect(t.size).toBe(4);
    expect(overflows()).toBe(1);
    t.add(overflow, 2);
    t.add(t.seriesOf("a", 0), 2);
    expect(t.overflowMeasurements).toBe(1);
  });
});
