import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { loadRules, RuleValidationError } from "zoran-telemetrie/alerting";
import type { TelemetryCollectorOptions } from "../../src/collector/collector-options.js";
import { exchange } from "../../src/instrument/exchange.js";
import { wrap } from "../../src/instrument/wrap.js";
import { DROPPED_METRIC } from "../../src/signals/metric-definitions.js";
import { sumOf } from "../helpers/prometheus-samples.js";
import { propertyRuns } from "../helpers/property-runs.js";
import { expectWellFormedExports } from "./exposition-check.js";
import {
  hostileAttributes,
  hostileData,
  hostileNumber,
  hostileString,
  hostileValue,
  prototypePolluted,
} from "./hostile-values.js";

/**
 * Property-based fuzzing of every public entry point with hostile input (bad input never throws
 * into the caller: it is dropped, reported once and counted). After each run, every export format must still be well-formed
 * (`promtool check metrics` on the text format), and Object.prototype must be untouched.
 * Seeds and runs come from test/helpers/property-runs.ts: fixed under `npm test`, random and
 * many more under `npm run fuzz`; a failure prints the seed and path that replay it.
 */

const SIGNALS = Object.values(GoldenSignals);
const anySignal = fc.oneof({ arbitrary: fc.constantFrom(...SIGNALS), weight: 4 }, hostileValue);
const silentDiag = { error() {}, warn() {}, info() {}, debug() {}, verbose() {} };

const collectors: TelemetryCollector[] = [];
function create(options: TelemetryCollectorOptions = {}): TelemetryCollector {
  const collector = new TelemetryCollector({
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    window: false,
    diag: silentDiag,
    ...options,
  });
  collectors.push(collector);
  return collector;
}
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
  vi.unstubAllEnvs();
  expect(prototypePolluted()).toBe(false);
});

/** A short description of any value, even one that throws when read or nests 5,000 deep. */
function describeValue(value: unknown): string {
  try {
    return (
      JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? `${v}n` : v))?.slice(0, 300) ?? typeof value
    );
  } catch {
    return `(${typeof value} that cannot be shown)`;
  }
}

/** The value's domain per signal (README, "Use"); anything else must be dropped and counted. */
function isValid(signal: string, value: unknown): boolean {
  if (typeof value !== "number" || Number.isNaN(value)) return false;
  if (signal === "error_rate" || signal === "saturation") return value >= 0 && value <= 1;
  return value >= 0 && value < Number.POSITIVE_INFINITY;
}

/** A function behaving like user code: returns or throws `value`, synchronously or not. */
const behaviour = fc.record({
  value: hostileData,
  throws: fc.boolean(),
  async: fc.boolean(),
});
function userFunction(b: { value: unknown; throws: boolean; async: boolean }): () => unknown {
  if (b.async) return async () => (b.throws ? Promise.reject(b.value) : b.value);
  return () => {
    if (b.throws) throw b.value;
    return b.value;
  };
}

/** Calls `run` and checks it behaved as user code `b` does: same value back, same value thrown. */
async function expectTransparent(run: () => unknown, b: { value: unknown; throws: boolean; async: boolean }) {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    expect(b.throws && !b.async, "threw synchronously").toBe(true);
    expect(error).toBe(b.value);
    return;
  }
  expect(b.throws && !b.async, "did not throw synchronously").toBe(false);
  if (b.async) {
    const settled = await (result as Promise<unknown>).then(
      (value) => ({ ok: true, value }),
      (error: unknown) => ({ ok: false, value: error }),
    );
    expect(settled.ok).toBe(!b.throws);
    expect(settled.value).toBe(b.value);
  } else {
    expect(result).toBe(b.value);
  }
}

const traceOptions = fc.oneof(
  fc.constant(undefined),
  fc.record({ exchange: hostileValue, kind: hostileValue }, { requiredKeys: [] }),
  hostileValue,
);

describe("hostile input, fuzzed", () => {
  it("recordSignal never throws, whatever the signal, value and attributes", async () => {
    const collector = create({ cardinalityLimit: 50 });
    fc.assert(
      fc.property(anySignal, hostileValue, hostileAttributes, (signal, value, attributes) => {
        expect(() =>
          collector.recordSignal(signal as never, value as never, attributes as never),
        ).not.toThrow();
      }),
      propertyRuns(3_000),
    );
    await expectWellFormedExports(collector);
  });

  it("counts every refused value in zoran_telemetry_dropped_total, and only those", async () => {
    const collector = create();
    let expected = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...SIGNALS),
        fc.oneof(hostileNumber, hostileValue),
        fc.constantFrom(undefined, { operation: "fuzz" }),
        (signal, value, attributes) => {
          const before = collector.store.droppedCount;
          collector.recordSignal(signal, value as number, attributes);
          const dropped = collector.store.droppedCount - before;
          expect(dropped, `${signal} ${describeValue(value)}`).toBe(isValid(signal, value) ? 0 : 1);
          expected += dropped;
        },
      ),
      propertyRuns(2_000),
    );
    expect(expected).toBeGreaterThan(0);
    const text = await expectWellFormedExports(collector);
    expect(sumOf(text, DROPPED_METRIC.promName)).toBe(expected);
    expect(sumOf(text, DROPPED_METRIC.promName, { reason: "invalid_value" })).toBe(expected);
  });

  it("trace() passes values and exceptions through unchanged, whatever the name and options", async () => {
    const collector = create({ cardinalityLimit: 50 });
    await fc.assert(
      fc.asyncProperty(
        hostileValue,
        traceOptions,
        behaviour,
        hostileValue,
        async (name, options, b, inner) => {
          await expectTransparent(
            () =>
              collector.trace(
                name as string,
                () => {
                  collector.recordSignal(GoldenSignals.LATENCY, inner as number, inner as never);
                  collector.recordSignal(GoldenSignals.ERROR_RATE, inner as number, {
                    error_type: inner as string,
                  });
                  return userFunction(b)();
                },
                options as never,
              ),
            b,
          );
        },
      ),
      propertyRuns(1_000),
    );
    await expectWellFormedExports(collector);
  });

  // Regression: trace() used to read `.then` of the returned value outside its guard, so a
  // returned proxy whose `get` trap throws made trace() throw and left the operation open.
  it("trace() returns a value whose `then` getter throws, and ends the operation", async () => {
    const collector = create();
    const hostile = new Proxy(
      {},
      {
        get(_target, key) {
          if (key === "then") throw new Error("then getter throws");
          return undefined;
        },
      },
    );
    expect(collector.trace("then_throws", () => hostile)).toBe(hostile);
    expect(
      sumOf(await collector.export("prometheus"), "zoran_requests_total", { operation: "then_throws" }),
    ).toBe(1);
  });

  it("wrap() and exchange() pass values and exceptions through unchanged", async () => {
    const collector = create({ cardinalityLimit: 50 });
    await fc.assert(
      fc.asyncProperty(
        hostileValue,
        traceOptions,
        behaviour,
        fc.array(hostileValue, { maxLength: 3 }),
        async (name, options, b, args) => {
          const wrapped = wrap(collector, name as string, userFunction(b), options as never);
          await expectTransparent(() => (wrapped as (...a: unknown[]) => unknown)(...args), b);
        },
      ),
      propertyRuns(500),
    );
    // Options are data here: a getter of the caller's own options object that throws is the
    // caller's exception, passed through.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record(
            {
              operation: hostileData,
              kind: fc.oneof(fc.constantFrom("ai_ai", "ai_human"), hostileData),
              provider: hostileData,
              model: hostileData,
              genAiOperation: hostileData,
              // Fractional or huge numbers: known defect, see the test below.
              timeoutMs: hostileData.filter(
                (v) => typeof v !== "number" || !(v > 0) || (Number.isInteger(v) && v <= 2 ** 31),
              ),
              mustAnswer: hostileData,
            },
            { requiredKeys: [] },
          ),
          hostileData,
        ),
        hostileData,
        hostileData,
        fc.boolean(),
        async (options, request, response, fail) => {
          const sentinel = { result: true };
          const failure = new Error("user failure");
          const run = exchange(collector, options as never, async (ex) => {
            ex.request(request);
            ex.response(response);
            ex.requestBytes(request as number);
            ex.usage({ inputTokens: response as number, outputTokens: request as number });
            if (fail) throw failure;
            return sentinel;
          });
          if (fail) await expect(run).rejects.toBe(failure);
          else await expect(run).resolves.toBe(sentinel);
        },
      ),
      propertyRuns(500),
    );
    await expectWellFormedExports(collector);
  });

  // KNOWN DEFECT, reported to the lead: ex.response() reads the response's fields without a
  // guard (src/instrument/ai-usage.ts), so a response object whose getters throw makes the
  // telemetry call throw into the caller's function. Drop `.fails` once the reads are guarded.
  it("exchange's ex.response() never throws on a response whose getters throw", async () => {
    const collector = create();
    const response = new Proxy(
      {},
      {
        get(_target, key) {
          if (typeof key === "string") throw new Error(`getter ${key} throws`);
          return undefined;
        },
      },
    );
    const sentinel = {};
    await expect(
      exchange(collector, { operation: "proxy_response", kind: "ai_ai" }, async (ex) => {
        ex.response(response);
        return sentinel;
      }),
    ).resolves.toBe(sentinel);
  });

  // KNOWN DEFECT, reported to the lead: AiExchange passes `timeoutMs` to AbortSignal.timeout(),
  // which throws a RangeError for a fraction (1.5) or past 2^32 - 1 (src/instrument/ai-exchange.ts);
  // the RangeError replaces the caller's own result. Drop `.fails` once timeoutMs is validated.
  it("exchange() with a fractional or huge timeoutMs runs the caller's function unharmed", async () => {
    const collector = create();
    for (const timeoutMs of [1.5, 1e300]) {
      await expect(
        exchange(collector, { operation: "odd_timeout", kind: "ai_ai", timeoutMs }, async () => 42),
      ).resolves.toBe(42);
    }
  });

  it("series() handles never throw on hostile attributes and numbers", async () => {
    const collector = create({ cardinalityLimit: 50 });
    fc.assert(
      fc.property(anySignal, hostileAttributes, hostileNumber, (signal, attributes, value) => {
        expect(() => collector.series(signal as never, attributes as never).record(value)).not.toThrow();
      }),
      propertyRuns(1_000),
    );
    await expectWellFormedExports(collector);
  });

  // Regression: record() used to compare with `value >= 0` and no `typeof` check, so "1" was
  // added as a string (5 bytes then "1" made 51) and a BigInt or Symbol threw into the caller.
  it("series() handles refuse values that are not numbers, without throwing", async () => {
    const collector = create();
    const handle = collector.series(GoldenSignals.TRAFFIC, { operation: "handle" });
    handle.record(5);
    for (const value of ["1", true, [2], 10n, Symbol("s"), { valueOf: () => 3 }]) {
      expect(() => handle.record(value as never)).not.toThrow();
    }
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_exchange_size_bytes_total", { operation: "handle" })).toBe(5);
    expect(collector.store.droppedCount).toBe(6);
  });

  it(
    "the constructor takes any options without throwing (bad alert rules excepted, by design)",
    { timeout: 120_000 },
    async () => {
      const hostileOptions = fc.oneof(
        fc.record(
          {
            serviceName: hostileData,
            serviceVersion: hostileData,
            resourceAttributes: fc.oneof(
              fc.dictionary(hostileString, hostileData, { maxKeys: 4 }),
              hostileData,
            ),
            exporter: fc.oneof(fc.constantFrom("none", ["none"]), hostileData),
            port: hostileData,
            host: hostileData,
            prometheus: hostileData,
            cardinalityLimit: hostileData,
            tracing: hostileData,
            saturation: hostileData,
            runtimeMetrics: hostileData,
            disabled: hostileData,
            window: hostileData,
            shutdownTimeoutMs: hostileData,
            otlp: hostileData,
            json: hostileData,
            csv: hostileData,
          },
          { requiredKeys: [] },
        ),
        hostileData,
      );
      const failures: string[] = [];
      // promtool on every tenth sample: 200 spawns take a minute on this machine.
      for (const [index, options] of fc.sample(hostileOptions, { numRuns: 200, seed: 8 }).entries()) {
        let collector: TelemetryCollector | undefined;
        try {
          collector = new TelemetryCollector({
            diag: silentDiag,
            ...(options as object),
            alerting: false,
          } as never);
        } catch (error) {
          failures.push(`${String(error)} with ${describeValue(options)}`);
          continue;
        }
        collectors.push(collector);
        collector.recordSignal(GoldenSignals.TRAFFIC, 3, { operation: "after hostile options" });
        await expectWellFormedExports(collector, { promtool: index % 10 === 0 });
        await collector.shutdown();
      }
      expect(failures).toEqual([]);
    },
  );

  it("start() and shutdown() resolve with hostile options and no exporter", async () => {
    const failures: string[] = [];
    const options = fc.record(
      {
        saturation: hostileData,
        window: hostileData,
        runtimeMetrics: hostileData,
        shutdownTimeoutMs: fc.oneof(hostileNumber, hostileData),
      },
      { requiredKeys: [] },
    );
    for (const sample of fc.sample(options, { numRuns: 60, seed: 9 })) {
      try {
        const collector = create({ ...(sample as object), exporter: "none" } as never);
        await collector.start();
        collector.recordSignal(GoldenSignals.LATENCY, 0.1);
        await collector.shutdown();
        await collector.shutdown();
      } catch (error) {
        failures.push(`${String(error)} with ${describeValue(sample)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it(
    "hostile OTEL_* environment variables never throw and never corrupt the exposition",
    { timeout: 120_000 },
    async () => {
      const names = [
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_EXPORTER_PROMETHEUS_HOST",
        "OTEL_EXPORTER_PROMETHEUS_PORT",
        "OTEL_METRIC_EXPORT_INTERVAL",
        "OTEL_SDK_DISABLED",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
      ];
      const envValue = fc.oneof(
        hostileString.filter((s) => !s.includes("\u0000") && s.length < 10_000),
        fc.constantFrom(
          'a=b,c="d\\\ne",=,,==,%ZZ,%00,k=%E2%82',
          "service.name=x\ny,__proto__=1,constructor=2",
          "-1",
          "65536",
          "1e3",
          "TRUE",
          "http://[::1",
          "ftp://user:pass@host/",
        ),
      );
      const env = fc.record(Object.fromEntries(names.map((name) => [name, envValue])), { requiredKeys: [] });
      const failures: string[] = [];
      for (const sample of fc.sample(env, { numRuns: 60, seed: 10 })) {
        vi.unstubAllEnvs();
        for (const [name, value] of Object.entries(sample)) vi.stubEnv(name, value as string);
        try {
          const collector = create({ exporter: ["prometheus", "otlp"], diag: silentDiag });
          collector.recordSignal(GoldenSignals.TRAFFIC, 1, { operation: "env" });
          await expectWellFormedExports(collector);
        } catch (error) {
          failures.push(`${String(error)} with ${describeValue(sample)}`);
        }
      }
      expect(failures).toEqual([]);
    },
  );
});

describe("hostile rule files, fuzzed", () => {
  const dir = mkdtempSync(join(tmpdir(), "zoran-rules-fuzz-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Rule files either load or throw a RuleValidationError: nothing else escapes. */
  function expectLoadsOrValidationError(input: unknown): void {
    try {
      const rules = loadRules(input as never);
      expect(Array.isArray(rules)).toBe(true);
    } catch (error) {
      if (!(error instanceof RuleValidationError)) {
        throw new Error(`loadRules threw ${describeValue(String(error))} for ${describeValue(input)}`);
      }
    }
  }

  const ruleLike = fc.record(
    {
      name: hostileData,
      signal: fc.oneof(fc.constantFrom("latency", "errors", "traffic", "saturation"), hostileData),
      statistic: hostileData,
      comparison: fc.oneof(fc.constantFrom(">", "<"), hostileData),
      threshold: hostileValue,
      window: fc.oneof(fc.constantFrom("5m", "1h"), hostileData),
      for: hostileData,
      severity: hostileData,
      matchers: hostileValue,
      by: hostileData,
      labels: hostileData,
      annotations: hostileValue,
      __proto__: hostileData,
    },
    { requiredKeys: [] },
  );

  // Regression: a BigInt in a rule field written in code made the validator's own message
  // (JSON.stringify) throw a TypeError instead of a RuleValidationError (src/alerting/rule-fields.ts).
  it("loadRules() reports a BigInt field as a RuleValidationError", () => {
    expect(() =>
      loadRules({ rules: [{ name: "Big", signal: "latency", threshold: 1, for: 10n } as never] }),
    ).toThrow(RuleValidationError);
  });

  it("loadRules() on hostile objects returns rules or throws RuleValidationError only", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record(
            { rules: fc.oneof(fc.array(ruleLike, { maxLength: 3 }), hostileData), slos: hostileData },
            { requiredKeys: [] },
          ),
          fc.array(ruleLike, { maxLength: 3 }),
          hostileData,
        ),
        (input) => expectLoadsOrValidationError(input),
      ),
      propertyRuns(2_000),
    );
  });

  it("loadRules() on hostile YAML files returns rules or throws RuleValidationError only", () => {
    const path = join(dir, "rules.yaml");
    const yamlText = fc.oneof(
      hostileString,
      fc.constantFrom(
        // Billion laughs: aliases that expand exponentially.
        `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nrules: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
        "rules: !!js/function 'function () { return 1 }'\n",
        "rules:\n  - name: x\n    signal: latency\n    threshold: .nan\n",
        "rules:\n  - name: x\n    signal: latency\n    threshold: .inf\n    window: -5m\n",
        "__proto__: {polluted: yes}\nrules: []\n",
        "rules:\n  - <<: {name: x, signal: latency, threshold: 1}\n    __proto__: {polluted: yes}\n",
        `rules: [${"[".repeat(5_000)}${"]".repeat(5_000)}]`,
        "\ufeffrules: []\n",
        "rules:\n\t- bad tab\n",
      ),
      fc
        .array(
          fc.constantFrom(
            "rules:",
            "\n",
            "  - ",
            "name: ",
            "signal: latency",
            "threshold: 1",
            "&x ",
            "*x",
            "[",
            "{",
            "'",
            '"',
            "\\",
            ": ",
            "#",
          ),
          { maxLength: 30 },
        )
        .map((parts) => parts.join("")),
    );
    fc.assert(
      fc.property(yamlText, (text) => {
        writeFileSync(path, text);
        expectLoadsOrValidationError(path);
      }),
      propertyRuns(500),
    );
    expectLoadsOrValidationError(join(dir, "missing.yaml"));
    expectLoadsOrValidationError(dir);
  });
});
