/** A sample value as Prometheus writes it (`+Inf`, `-Inf`, `NaN`, shortest round-trip decimal). */
export function formatNumber(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}
