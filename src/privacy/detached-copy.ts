/**
 * A copy of `value` that shares no memory with it: a flat, internalized string.
 *
 * Why: V8 makes `slice()`, `substring()`, `trim()` and regex matches of 13 characters or more
 * into *sliced strings* that point into their parent. A 128-character label cut from a 256 KiB
 * operation name keeps the whole 256 KiB alive for as long as the label lives: 300 such names
 * pinned 75 MB (issue 15, finding 1; test/regression/free-text-pins-no-raw-string.test.ts).
 * String concatenation makes *cons strings* that point to both halves, with the same effect.
 *
 * How: a computed property key is internalized, and V8's string table holds only flat strings,
 * so the key read back from `Object.keys` is a fresh flat copy (or an equal string that was
 * already internalized, such as a literal: then no memory at all). Internalized strings are
 * collected like any other once unreferenced. Costs one hash and one table lookup, so it is done
 * once per distinct value, where a value is kept (a series key, a cache key, a span name).
 *
 * @example
 * const label = detachedCopy(body.slice(0, 128)); // `body` can now be collected
 */
export function detachedCopy(value: string): string {
  // A computed key always defines an own property, `__proto__` included (never the prototype).
  return Object.keys({ [value]: 0 })[0] ?? "";
}
