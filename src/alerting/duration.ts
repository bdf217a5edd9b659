/**
 * Durations as rule files write them: Prometheus syntax (`30s`, `5m`, `1h30m`, `3d`, `1w`, `250ms`)
 * or a number of milliseconds.
 */
export type Duration = string | number;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

// Prometheus duration grammar: one or more <number><unit>, largest unit first (model/time.go).
const DURATION_PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PATTERN_UNITS = ["y", "w", "d", "h", "m", "s", "ms"] as const;

/**
 * Milliseconds of a {@link Duration}, or `undefined` when it is not one (negative, not finite,
 * empty, or not Prometheus syntax).
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string" || value === "") return undefined;
  if (value === "0") return 0;
  const match = DURATION_PATTERN.exec(value);
  if (match === null) return undefined;
  let ms = 0;
  PATTERN_UNITS.forEach((unit, i) => {
    const count = match[i + 1];
    if (count !== undefined) ms += Number(count) * (UNIT_MS[unit] ?? 0);
  });
  return ms;
}

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
