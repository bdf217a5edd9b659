import { describe, expect, it } from "vitest";
import { SeriesTable } from "../../src/recording/series-table.js";

function table(limit: number) {
  let made = 0;
  return {
    table: new SeriesTable<{ key: string; slot: number; n: number }>({
      slotCount: 3,
      cardinalityLimit: limit,
      create: (key, slot) => ({ key, slot, n: made++ }),
      createOverflow: () => ({ key: "overflow", slot: -1, n: made++ }),
    }),
  };
}

describe("SeriesTable", () => {
  it("returns the same series for the same value and slot, and another for another slot", () => {
    const { table: t } = table(10);
    expect(t.get("a", 0)).toBe(t.get("a", 0));
    expect(t.get("a", 1)).not.toBe(t.get("a", 0));
    expect(t.size).toBe(2);
  });

  it("shares series between raw values that scrub to the same text", () => {
    const { table: t } = table(10);
    const a = t.get("user a@example.com", 0);
    const b = t.get("user b@example.org", 0);
    expect(a).toBe(b);
    expect(a.key).toBe("user <email>");
  });

  it("sends values past the limit to one overflow series, and keeps doing so", () => {
    const { table: t } = table(3);
    for (const key of ["a", "b", "c"]) t.get(key, 0);
    const overflow = t.get("d", 0);
    expect(overflow.key).toBe("overflow");
    expect(t.get("a", 2)).toBe(overflow);
    expect(t.get("e", 1)).toBe(overflow);
    expect(t.get("a", 0).key).toBe("a");
    expect(t.size).toBe(3);
    expect(t.series).toHaveLength(4);
  });
});
