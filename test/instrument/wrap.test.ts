import { afterEach, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { traced } from "../../src/instrument/traced.js";
import { wrap } from "../../src/instrument/wrap.js";
import { GoldenSignals } from "../../src/signals/golden-signals.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  REQUESTS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { sumOf } from "../helpers/prometheus-samples.js";

const collectors: TelemetryCollector[] = [];
function newCollector(): TelemetryCollector {
  const collector = new TelemetryCollector({
    serviceName: "wrap-test",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
  });
  collectors.push(collector);
  return collector;
}

afterEach(async () => {
  await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
});

const requests = (text: string, operation: string, outcome?: string) =>
  sumOf(text, REQUESTS_METRIC.promName, outcome === undefined ? { operation } : { operation, outcome });
const latencyCount = (text: string, operation: string) =>
  sumOf(text, `${LATENCY_METRIC.promName}_count`, { operation });
const latencySum = (text: string, operation: string) =>
  sumOf(text, `${LATENCY_METRIC.promName}_sum`, { operation });

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("wrap", () => {
  it("counts each call of a sync function as one request and passes this, arguments and result through", async () => {
    const collector = newCollector();
    const calculator = {
      base: 10,
      add: wrap(collector, "add", function (this: { base: number }, a: number) {
        return this.base + a;
      }),
    };
    expect(calculator.add(1)).toBe(11);
    expect(calculator.add(2)).toBe(12);
    const text = await collector.export("prometheus");
    expect(requests(text, "add", "ok")).toBe(2);
    expect(latencyCount(text, "add")).toBe(2);
  });

  it("measures an async function until it settles and records a rejection as a crash", async () => {
    const collector = newCollector();
    const slow = wrap(collector, "slow_call", async (fail: boolean) => {
      await tick(30);
      if (fail) throw new Error("upstream down");
      return "done";
    });
    await expect(slow(false)).resolves.toBe("done");
    await expect(slow(true)).rejects.toThrow("upstream down");
    const text = await collector.export("prometheus");
    expect(requests(text, "slow_call")).toBe(2);
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "slow_call", error_type: "crash" })).toBe(1);
    expect(latencySum(text, "slow_call")).toBeGreaterThanOrEqual(0.05);
  });

  it("keeps an async generator's operation open for the whole stream, recording signals of every step in it", async () => {
    const collector = newCollector();
    const chunks = wrap(
      collector,
      "stream_answer",
      async function* (count: number) {
        for (let i = 0; i < count; i++) {
          await tick(10);
          collector.recordSignal(GoldenSignals.TRAFFIC, 5, { direction: "output" });
          yield `chunk ${i}`;
        }
      },
      { exchange: "ai_human" },
    );
    const iterator = chunks(4);
    expect(requests(await collector.export("prometheus"), "stream_answer")).toBe(0);
    const seen: string[] = [];
    for await (const chunk of iterator) seen.push(chunk);
    expect(seen).toEqual(["chunk 0", "chunk 1", "chunk 2", "chunk 3"]);
    const text = await collector.export("prometheus");
    expect(requests(text, "stream_answer", "ok")).toBe(1);
    expect(latencySum(text, "stream_answer")).toBeGreaterThanOrEqual(0.035);
    expect(
      sumOf(text, EXCHANGE_SIZE_METRIC.promName, {
        operation: "stream_answer",
        exchange: "ai_human",
        direction: "output",
      }),
    ).toBe(20);
  });

  it("ends a generator's operation when the consumer breaks out early", async () => {
    const collector = newCollector();
    let cleanedUp = false;
    const numbers = wrap(collector, "numbers", function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        cleanedUp = true;
      }
    });
    const taken: number[] = [];
    for (const n of numbers()) {
      if (n === 3) break;
      taken.push(n);
    }
    expect(taken).toEqual([0, 1, 2]);
    expect(cleanedUp).toBe(true);
    await tick(0);
    expect(requests(await collector.export("prometheus"), "numbers", "ok")).toBe(1);
  });

  it("records a generator that throws mid-stream as a crash and rethrows to the consumer", async () => {
    const collector = newCollector();
    const failing = wrap(collector, "failing_stream", async function* () {
      yield 1;
      throw new TypeError("bad chunk");
    });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of failing()) seen.push(value);
      })(),
    ).rejects.toThrow("bad chunk");
    expect(seen).toEqual([1]);
    await tick(0);
    const text = await collector.export("prometheus");
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "failing_stream", error_type: "crash" })).toBe(1);
  });

  it("follows the iteration of a generator returned by a plain function", async () => {
    const collector = newCollector();
    const makeStream = wrap(collector, "factory_stream", (n: number) =>
      (async function* () {
        for (let i = 0; i < n; i++) {
          await tick(15);
          yield i;
        }
      })(),
    );
    let total = 0;
    for await (const value of makeStream(3)) total += value;
    expect(total).toBe(3);
    await tick(0);
    const text = await collector.export("prometheus");
    expect(requests(text, "factory_stream")).toBe(1);
    expect(latencySum(text, "factory_stream")).toBeGreaterThanOrEqual(0.03);
  });

  it("throws a TypeError when given something that is not a function", () => {
    const collector = newCollector();
    expect(() => wrap(collector, "nothing", 42 as unknown as () => void)).toThrow(TypeError);
  });
});

describe("traced", () => {
  // Vitest's transformer (oxc) does not lower standard decorators yet, so the decorator is applied
  // here as TypeScript 5 applies it; `examples/agent-chain-a.ts` uses the `@traced` syntax under tsx.
  function decorate<T extends (...args: never[]) => unknown>(
    decorator: ReturnType<typeof traced>,
    method: T,
    name: string,
  ): T {
    const context = { kind: "method", name, static: false, private: false } as ClassMethodDecoratorContext;
    return decorator(method as never, context as never) as unknown as T;
  }

  it("instruments a class method, named after the method unless told otherwise", async () => {
    const collector = newCollector();
    class Planner {
      constructor(readonly prefix: string) {}
      plan(destination: string): string {
        return `${this.prefix} ${destination}`;
      }
      async book(): Promise<number> {
        await tick(5);
        return 7;
      }
    }
    Planner.prototype.plan = decorate(traced(collector), Planner.prototype.plan, "plan");
    Planner.prototype.book = decorate(
      traced(collector, { name: "book_trip", exchange: "ai_ai" }),
      Planner.prototype.book,
      "book",
    );
    const planner = new Planner("trip to");
    expect(planner.plan("Lyon")).toBe("trip to Lyon");
    expect(await planner.book()).toBe(7);
    const text = await collector.export("prometheus");
    expect(requests(text, "plan", "ok")).toBe(1);
    expect(sumOf(text, REQUESTS_METRIC.promName, { operation: "book_trip", exchange: "ai_ai" })).toBe(1);
  });
});
