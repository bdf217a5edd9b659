import { describe, expect, it } from "vitest";
import { loadRules, RuleValidationError } from "zoran-telemetrie/alerting";

/**
 * Issue 12, defect found by the fast-check property "loadRules() on hostile objects returns
 * rules or throws RuleValidationError only": "`loadRules` throws `TypeError: Cannot convert a
 * Symbol value to a string`". Found again by `npm run fuzz` (seed 22 path 1095, seed 15 path 782
 * of the property as it stood): a Symbol statistic on a saturation rule above 1 reached a template
 * literal, and a null-prototype `severity` reached `String()`. The same holds for the caller's
 * getters and proxies that throw, and for BigInts: whatever the input, `loadRules` returns rules
 * or throws a RuleValidationError naming the field.
 */

/** Calls loadRules and returns what it threw (undefined when it returned). */
function thrownBy(input: unknown): unknown {
  try {
    loadRules(input as never);
    return undefined;
  } catch (error) {
    return error;
  }
}

function expectValidationError(input: unknown, field: RegExp): void {
  const error = thrownBy(input);
  expect(error, String(error)).toBeInstanceOf(RuleValidationError);
  expect((error as RuleValidationError).issues.some((issue) => field.test(issue.field))).toBe(true);
}

const rule = { name: "Hostile", signal: "latency", threshold: 1 };

describe("loadRules on hostile rule objects", () => {
  it("reports a Symbol statistic on an out-of-range saturation rule", () => {
    expectValidationError(
      { rules: [{ name: "Sat", signal: "saturation", statistic: Symbol("p"), threshold: 2 }] },
      /^(statistic|threshold)$/,
    );
  });

  it("reports a null-prototype object where a string belongs", () => {
    expectValidationError({ rules: [{ ...rule, severity: Object.create(null) }] }, /^severity$/);
  });

  it("reports Symbols and BigInts in any field", () => {
    for (const field of ["name", "signal", "comparison", "threshold", "window", "for", "severity", "by"]) {
      expectValidationError({ rules: [{ ...rule, [field]: Symbol(field) }] }, new RegExp(`^${field}$`));
      expectValidationError({ rules: [{ ...rule, [field]: 10n }] }, new RegExp(`^${field}$`));
    }
    expectValidationError({ slos: [{ objective: Symbol("o"), signal: "errors" }] }, /^objective$/);
  });

  it("reports a getter that throws, instead of throwing the caller's error", () => {
    const hostile = Object.defineProperty({ ...rule }, "threshold", {
      enumerable: true,
      get() {
        throw new Error("getter throws");
      },
    });
    expectValidationError({ rules: [hostile] }, /threshold/);
  });

  it("reports proxies that throw, and revoked proxies, at any level", () => {
    const throwing = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("ownKeys throws");
        },
      },
    );
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const input of [
      throwing,
      revoked,
      { rules: [throwing] },
      { rules: [{ ...rule, matchers: revoked }] },
    ]) {
      const error = thrownBy(input);
      expect(error, String(error)).toBeInstanceOf(RuleValidationError);
    }
  });

  it("reports a cycle as a nesting error, and a `__proto__` key as an unknown field without polluting", () => {
    const cyclic: Record<string, unknown> = { ...rule };
    cyclic.labels = cyclic;
    expect(thrownBy({ rules: [cyclic] })).toBeInstanceOf(RuleValidationError);
    const polluting = JSON.parse(
      '{"rules":[{"name":"P","signal":"latency","threshold":1,"__proto__":{"polluted":1}}]}',
    );
    expectValidationError(polluting, /^__proto__$/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("still loads a well-formed rule", () => {
    expect(loadRules({ rules: [rule] as never }).map((r) => r.name)).toEqual(["Hostile"]);
  });
});
