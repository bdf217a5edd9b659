import { describe, expect, it } from "vitest";
import { LivePointCache } from "../../src/web/live-point-cache.js";

const value = (atMs: number) => [{ labels: {}, value: atMs }];

describe("LivePointCache", () => {
  it("computes each point once and only the new ones on the next call", () => {
    const cache = new LivePointCache();
    const computed: number[] = [];
    const compute = (atMs: number) => {
      computed.push(atMs);
      return value(atMs);
    };
    expect(cache.points("requests", [1, 2, 3], compute).map((groups) => groups[0]?.value)).toEqual([1, 2, 3]);
    expect(cache.points("requests", [2, 3, 4], compute).map((groups) => groups[0]?.value)).toEqual([2, 3, 4]);
    expect(computed).toEqual([3, 2, 1, 4]);
  });

  it("keeps lines apart", () => {
    const cache = new LivePointCache();
    cache.points("a", [1], () => [{ labels: {}, value: 10 }]);
    expect(cache.points("b", [1], () => [{ labels: {}, value: 20 }])[0]).toEqual([{ labels: {}, value: 20 }]);
  });

  it("past its budget leaves the oldest points as gaps for a later call to fill", () => {
    const cache = new LivePointCache();
    let calls = 0;
    const compute = (atMs: number) => {
      calls++;
      return value(atMs);
    };
    // A zero budget still computes one point per call, newest first.
    const first = cache.points("p95", [1, 2, 3], compute, 0);
    expect(first).toEqual([[], [], value(3)]);
    expect(cache.points("p95", [1, 2, 3], compute, 0)).toEqual([[], value(2), value(3)]);
    expect(cache.points("p95", [1, 2, 3], compute)).toEqual([value(1), value(2), value(3)]);
    expect(calls).toBe(3);
  });

  it("forgets points older than the first time asked for", () => {
    const cache = new LivePointCache();
    let calls = 0;
    const compute = (atMs: number) => {
      calls++;
      return value(atMs);
    };
    cache.points("x", [1, 2], compute);
    cache.points("x", [2, 3], compute);
    cache.points("x", [1, 2, 3], compute);
    // Point 1 was dropped by the second call, so the third computes it again.
    expect(calls).toBe(4);
  });
});
