/** The bounds of counters and gauges: none, one frozen array for all of them. */
export const NO_BOUNDS: readonly number[] = Object.freeze([]);

/** The histogram bounds arrays of a window store's series, and the key each goes by in a query's groups. */
export class SharedBounds {
  private readonly boundsByKey = new Map<string, readonly number[]>();
  /** The key of each shared bounds array (`join(",")`, as the groups of a query name them). */
  private readonly boundsKeys = new Map<readonly number[], string>([[NO_BOUNDS, ""]]);

  /** One frozen copy of each bounds array, shared by the series that have it (15 numbers each). */
  share(bounds: readonly number[]): readonly number[] {
    if (bounds.length === 0) return NO_BOUNDS;
    const key = bounds.join(",");
    let shared = this.boundsByKey.get(key);
    if (shared === undefined) {
      shared = Object.freeze([...bounds]);
      this.boundsByKey.set(key, shared);
      this.boundsKeys.set(shared, key);
    }
    return shared;
  }

  /** The key of a shared bounds array (one returned by {@link share}). */
  keyOf(shared: readonly number[]): string | undefined {
    return this.boundsKeys.get(shared);
  }
}

/** True when two bounds arrays hold the same numbers in the same order. */
export function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
