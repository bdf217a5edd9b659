import { type Duration, parseDuration } from "../config/duration-option.js";

// The one duration parser lives in src/config/duration-option.ts; alerting re-exports it.
export { type Duration, parseDuration };

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Prometheus duration text for milliseconds, largest units first: `5400000` -> `1h30m`, `0` -> `0s`. */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return "0s";
  let rest = Math.round(ms);
  let text = "";
  for (const unit of ["d", "h", "m", "s", "ms"] as const) {
    const size = UNIT_MS[unit]!;
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}
