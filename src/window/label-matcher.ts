/**
 * Which series a query or a rule looks at: label name -> accepted value, or a list of accepted
 * values. A label the metric does not carry is ignored for that metric, so one matcher serves the
 * numerator and the denominator of a ratio: `{ error_type: "timeout" }` filters `zoran.errors` and
 * leaves `zoran.requests` whole (timeouts per request).
 *
 * @example
 * const matcher: LabelMatcher = { operation: "chat", exchange: ["ai_ai", "ai_human"] };
 */
export type LabelMatcher = Readonly<Record<string, string | readonly string[]>>;

/** Label values of one series, as strings. */
export type LabelSet = Readonly<Record<string, string>>;

/**
 * True when `labels` satisfy every entry of `matcher` whose label the metric carries
 * (`metricLabels`); entries for other labels are ignored.
 */
export function matchesLabels(
  labels: LabelSet,
  matcher: LabelMatcher | undefined,
  metricLabels: readonly string[],
): boolean {
  if (matcher === undefined) return true;
  for (const name in matcher) {
    if (!metricLabels.includes(name)) continue;
    const wanted = matcher[name];
    const actual = labels[name];
    if (actual === undefined) return false;
    if (typeof wanted === "string") {
      if (actual !== wanted) return false;
    } else if (wanted !== undefined && !wanted.includes(actual)) {
      return false;
    }
  }
  return true;
}

/** A stable key for a label set: names sorted, so `{a, b}` and `{b, a}` give the same key. */
export function labelSetKey(labels: LabelSet): string {
  const names = Object.keys(labels).sort();
  let key = "";
  for (const name of names) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

/** The labels of `labels` named in `by` (missing ones as `""`, as PromQL `sum by` does). */
export function pickLabels(labels: LabelSet, by: readonly string[] | undefined): Record<string, string> {
  const picked: Record<string, string> = {};
  if (by === undefined) return picked;
  for (const name of by) picked[name] = labels[name] ?? "";
  return picked;
}
