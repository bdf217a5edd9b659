/**
 * A rule field's value as an error message shows it: JSON where it can be, else a short
 * description. JSON.stringify throws on a BigInt or a cycle, and the message must never be
 * what throws (test/reliability/hostile-input.test.ts).
 */
export function describeValue(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol" || typeof value === "function") return typeof value;
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Array.isArray(value) ? "an array" : typeof value;
  }
}
