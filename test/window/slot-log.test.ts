import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SlotLayout, SlotLog } from "../../src/window/slot-log.js";
import { propertyRuns } from "../helpers/property-runs.js";

// Deterministic: propertyRuns() gives every fc.assert the fixed seed PROPERTY_SEED (20261201,
// printed) and a fixed run count; only `npm run fuzz` draws random seeds.
/** The plain model: a Map from interval number to its dense numbers. */
class DenseModel {
  readonly slots = new Map<number, Float64Array>();
  last = Number.NEGATIVE_INFINITY;
  constructor(
    readonly layout: SlotLayout,
    readonly width: number,
  ) {}
  add(epoch: number, values: readonly number[]): void {
    epoch = Math.max(epoch, this.last);
    const slot = this.slot(epoch, 0);
    for (let i = 0; i < this.width; i++) slot[i] = slot[i]! + values[i]!;
  }
  sample(epoch: number, value: number): void {
    epoch = Math.max(epoch, this.last);
    const slot = this.slot(epoch, Number.NaN);
    slot[0] = value;
    slot[1] = Number.isNaN(slot[1]!) ? value : Math.max(slot[1]!, value);
  }
  trimBefore(epoch: number): void {
    for (const key of this.slots.keys()) if (key < epoch) this.slots.delete(key);
  }
  private slot(epoch: number, fill: number): Float64Array {
    this.last = epoch;
    let slot = this.slots.get(epoch);
    if (slot === undefined) {
      slot = new Float64Array(this.width).fill(fill);
      this.slots.set(epoch, slot);
    }
    return slot;
  }
  /** Slots of `from..to` in interval order, as a dense ring hands them to a query. */
  range(from: number, to: number): Float64Array[] {
    return [...this.slots.entries()]
      .filter(([epoch]) => epoch >= from && epoch <= to)
      .sort((a, b) => a[0] - b[0])
      .map(([, values]) => values);
  }
}

// Values a slot meets: small counts, large counts past 32 bits, fractional error shares,
// negative deltas, and zeros (not stored).
const value = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 70 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 40 }) },
  { weight: 1, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 52, 2 ** 52 + 2, 0.1, 1 / 3, -1, 5e-324) },
);

type Step =
  | { kind: "add"; gap: number; values: number[] }
  | { kind: "sample"; gap: number; value: number }
  | { kind: "trim"; keep: number }
  | { kind: "query"; from: number; length: number };

// Mostly consecutive slots (a busy series), sometimes the same slot again or a gap.
const gap = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 8, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 5 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }) },
);

function steps(layout: SlotLayout, width: number): fc.Arbitrary<Step[]> {
  const write =
    layout === "gauge"
      ? fc.record({
          kind: fc.constant("sample" as const),
          gap,
          value: fc.double({ min: 0, max: 1, noNaN: true }),
        })
      : fc.record({
          kind: fc.constant("add" as const),
          gap,
          values: fc.array(value, { minLength: width, maxLength: width }),
        });
  return fc.array(
    fc.oneof(
      { weight: 6, arbitrary: write },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant("trim" as const), keep: fc.integer({ min: 0, max: 150 }) }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("query" as const),
          from: fc.integer({ min: 0, max: 200 }),
          length: fc.integer({ min: 0, max: 100 }),
        }),
      },
    ),
    { minLength: 100, maxLength: 400, size: "max" },
  );
}

function check(layout: SlotLayout, width: number, run: Step[]): void {
  const log = new SlotLog(layout, width);
  const model = new DenseModel(layout, width);
  let epoch = 1_000;
  const compare = (from: number, to: number) => {
    const slots = model.range(from, to);
    if (layout === "counter") {
      let sum = 0;
      for (const slot of slots) sum += slot[0]!;
      expect(log.sum(from, to)).toBe(sum);
    } else if (layout === "histogram") {
      const expected = new Float64Array(width);
      for (const slot of slots) for (let b = 0; b < width; b++) expected[b] = expected[b]! + slot[b]!;
      const actual = new Float64Array(width);
      log.addTo(from, to, actual);
      expect([...actual]).toEqual([...expected]);
    } else {
      for (const statistic of ["last", "max"] as const) {
        let result = Number.NaN;
        for (const slot of slots) {
          const sample = statistic === "last" ? slot[0]! : slot[1]!;
          result = statistic === "last" || Number.isNaN(result) ? sample : Math.max(result, sample);
        }
        expect(log.gauge(statistic, from, to)).toBe(result);
      }
    }
    const visited: number[][] = [];
    log.forEach(from, to, (_epoch, values) => visited.push([...values]));
    // Dense slots of zeros are not records: compare the non-zero slots only.
    const nonZero = slots.map((slot) => [...slot]).filter((slot) => slot.some((v) => v !== 0));
    expect(visited.filter((slot) => slot.some((v) => v !== 0))).toEqual(nonZero);
  };
  for (const step of run) {
    if (step.kind === "add") {
      epoch += step.gap;
      log.add(epoch, step.values);
      model.add(epoch, step.values);
    } else if (step.kind === "sample") {
      epoch += step.gap;
      log.sample(epoch, step.value);
      model.sample(epoch, step.value);
    } else if (step.kind === "trim") {
      log.trimBefore(epoch - step.keep);
      model.trimBefore(epoch - step.keep);
    } else {
      compare(epoch - step.from, epoch - step.from + step.length);
    }
  }
  compare(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
}

describe("SlotLog", () => {
  it("sums counter slots exactly like a dense ring (random writes, trims, queries)", () => {
    fc.assert(
      fc.property(steps("counter", 1), (run) => check("counter", 1, run)),
      propertyRuns(300),
    );
  });

  it("adds histogram bucket slots exactly like a dense ring, for 15 and 40 buckets", () => {
    fc.assert(
      fc.property(steps("histogram", 15), (run) => check("histogram", 15, run)),
      propertyRuns(200),
    );
    fc.assert(
      fc.property(steps("histogram", 40), (run) => check("histogram", 40, run)),
      propertyRuns(50),
    );
  });

  it("keeps the last and highest gauge samples of each slot", () => {
    fc.assert(
      fc.property(steps("gauge", 2), (run) => check("gauge", 2, run)),
      propertyRuns(300),
    );
  });

  it("holds a few bytes per busy slot and nothing once its slots are gone", () => {
    const log = new SlotLog("histogram", 15);
    const values = new Array(15).fill(0);
    values[4] = 3;
    values[9] = 1;
    for (let epoch = 0; epoch < 450; epoch++) log.add(epoch, values);
    // 6 bytes per slot (gap, two mask bytes, two values), within the buffer's 1.25x slack.
    expect(log.retainedBytes).toBeLessThan(450 * 6 * 1.3 + 450);
    log.trimBefore(10_000);
    expect(log.empty).toBe(true);
    expect(log.retainedBytes).toBe(0);
  });
});
