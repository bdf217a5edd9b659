import fc from "fast-check";

/**
 * fast-check arbitraries for what a careless or hostile caller can hand the public API: every
 * JavaScript type, numbers at the edges, strings that break expositions (quotes, backslashes,
 * newlines, control characters, lone surrogates, 1 MB), prototype-polluting keys, deep objects,
 * and objects whose getters, `toString` or proxies throw.
 */

/** Numbers at the edges of IEEE 754 and of the signals' domains. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    1,
    -1,
    0.5,
    1 + Number.EPSILON,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    Number.MAX_SAFE_INTEGER + 2,
    1e-300,
    1e300,
  ),
  fc.double(),
  fc.integer(),
);

const MEGABYTE = "x".repeat(1 << 20);

/** Strings that break line-based and quoted formats, or that are not valid UTF-16. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    '"',
    "\\",
    "\n",
    "\r\n",
    '"} 1\nzoran_injected_total 1\n# EOF',
    'a"b\\c\nd\re\tf',
    "\u0000",
    "\u0007\u001b[31mred",
    "\u2028\u2029",
    "\ud800",
    "\udc00x",
    "x\ud83d",
    "\ufeff",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "otel_metric_overflow",
    "none",
    "ai_ai",
    MEGABYTE,
    `${MEGABYTE}"\n`,
    "ﷺ𝕏😀‍👩‍👧",
  ),
  fc.string(),
  fc.string({ unit: "binary" }),
  // Any UTF-16 code unit, lone surrogates included.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
  fc.string({ unit: fc.constantFrom('"', "\\", "\n", "{", "}", "=", ",", " ", "#", "a") }),
);

function throwingGetterObject(): object {
  return Object.defineProperty({}, "operation", {
    enumerable: true,
    get() {
      throw new Error("getter throws");
    },
  });
}

// Symbol keys pass: fast-check probes generated values for its own symbols (cloneMethod).
function throwingProxy(): object {
  const fail = (key: string | symbol) => {
    if (typeof key === "symbol") return undefined;
    throw new Error(`proxy trap throws on ${key}`);
  };
  return new Proxy(
    {},
    {
      get: (_target, key) => fail(key),
      has: (_target, key) => fail(key) !== undefined,
      ownKeys() {
        throw new Error("proxy ownKeys throws");
      },
      getOwnPropertyDescriptor: (_target, key) => {
        fail(key);
        return undefined;
      },
    },
  );
}

function deepObject(depth: number): object {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { operation: value };
  return value;
}

/** Values whose use throws: getters, proxies, `toString`/`valueOf`/`Symbol.toPrimitive`. */
export const throwingValue: fc.Arbitrary<unknown> = fc
  .constantFrom("getter", "proxy", "toString", "toPrimitive")
  .map((kind) => {
    switch (kind) {
      case "getter":
        return throwingGetterObject();
      case "proxy":
        return throwingProxy();
      case "toString":
        return {
          toString() {
            throw new Error("toString throws");
          },
          valueOf() {
            throw new Error("valueOf throws");
          },
        };
      default:
        return {
          [Symbol.toPrimitive]() {
            throw new Error("toPrimitive throws");
          },
        };
    }
  });

/** Any JavaScript data, hostile values weighted up; reading it never throws. */
export const hostileData: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileNumber, weight: 3 },
  { arbitrary: hostileString, weight: 3 },
  fc.constantFrom(undefined, null, true, false, Symbol("s"), 10n, () => 1, new Date(Number.NaN), [], {}),
  fc.constant(
    JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}'),
  ),
  fc.integer({ min: 1, max: 1_500 }).map(deepObject),
  fc.anything({ maxDepth: 3 }),
);

/** Any JavaScript value: {@link hostileData} and objects whose getters, proxies or conversions throw. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileData, weight: 6 },
  throwingValue,
);

/** Attribute objects: allow-listed keys with hostile values, unknown and polluting keys, and non-objects. */
export const hostileAttributes: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.record(
      {
        operation: hostileValue,
        exchange: fc.oneof(fc.constantFrom("ai_ai", "ai_human", "none"), hostileValue),
        outcome: fc.oneof(fc.constantFrom("ok", "error"), hostileValue),
        error_type: fc.oneof(fc.constantFrom("timeout", "crash", "other"), hostileValue),
        kind: fc.oneof(fc.constantFrom("bytes", "tokens", "requests"), hostileValue),
        direction: fc.oneof(fc.constantFrom("input", "output"), hostileValue),
        resource: hostileValue,
        user_id: hostileString,
        __proto__: hostileValue,
        constructor: hostileValue,
      },
      { requiredKeys: [] },
    ),
    weight: 4,
  },
  fc.dictionary(hostileString, hostileValue, { maxKeys: 5 }),
  hostileValue,
);

/** True when Object.prototype was polluted by a run (it must never be). */
export function prototypePolluted(): boolean {
  return (
    ({} as Record<string, unknown>).polluted !== undefined || Object.hasOwn(Object.prototype, "polluted")
  );
}
