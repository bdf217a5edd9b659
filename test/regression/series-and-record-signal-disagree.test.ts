/**
 * Issue 12: "`series()` and `recordSignal()` disagree: `series(TRAFFIC, { kind: "watts" })
 * .record(5)` adds 5 to `zoran_exchange_size_bytes_total` while `recordSignal` drops and counts
 * it; `series(LATENCY, { exchange: "martian" })` is not counted as dropped."
 *
 * Both now go through one attribute resolver (recording/attribute-resolver.ts). Checked here
 * through the shipped test helper, as a user would.
 */
import { describe, expect, it } from "vitest";
import { GoldenSignals, type SignalAttributes } from "../../src/index.js";
import { createTestCollector } from "../../src/testing/index.js";
import { sumOf } from "../helpers/prometheus-samples.js";

const CASES: readonly [signal: (typeof GoldenSignals)[keyof typeof GoldenSignals], attributes: object][] = [
  [GoldenSignals.TRAFFIC, { kind: "watts" }],
  [GoldenSignals.TRAFFIC, { direction: "sideways" }],
  [GoldenSignals.LATENCY, { exchange: "martian" }],
  [GoldenSignals.LATENCY, { outcome: "maybe" }],
  [GoldenSignals.ERROR_RATE, { error_type: "cosmic_ray" }],
  [GoldenSignals.SATURATION, { resource: 42 }],
  [GoldenSignals.LATENCY, { operation: { toString: () => "sneaky" } }],
];

/** The page after one value recorded one way, as `name{labels} value` lines without comments. */
async function pageAfter(record: (c: Awaited<ReturnType<typeof createTestCollector>>["collector"]) => void) {
  const test = await createTestCollector();
  record(test.collector);
  const page = await test.collector.export("prometheus");
  await test.shutdown();
  return page;
}

describe("series() follows exactly the rules of recordSignal()", () => {
  for (const [signal, attributes] of CASES) {
    it(`${signal} ${JSON.stringify(attributes)}: same series, same drops`, async () => {
      const value = signal === GoldenSignals.SATURATION || signal === GoldenSignals.ERROR_RATE ? 1 : 5;
      const viaRecord = await pageAfter((c) => c.recordSignal(signal, value, attributes as SignalAttributes));
      const viaSeries = await pageAfter((c) =>
        c.series(signal, attributes as SignalAttributes).record(value),
      );
      const lines = (page: string) =>
        page.split("\n").filter((line) => line.startsWith("zoran_") && !line.includes("target_info"));
      expect(lines(viaSeries)).toEqual(lines(viaRecord));
      expect(sumOf(viaSeries, "zoran_telemetry_dropped_total")).toBeGreaterThan(0);
    });
  }

  it("adds nothing to the bytes counter for an unknown TRAFFIC kind", async () => {
    const page = await pageAfter((c) => c.series(GoldenSignals.TRAFFIC, { kind: "watts" }).record(5));
    expect(sumOf(page, "zoran_exchange_size_bytes_total")).toBe(0);
  });
});
