import { loadavg } from "node:os";
import { median } from "./compare.js";

/**
 * One case of a section whose contenders are not the four of `compare.ts` (ours, prom-client,
 * OpenTelemetry, floor): the middleware section (plain framework, our middleware, OpenTelemetry's
 * instrumentations), the window memory (the dense store it replaced, ours) and import time (ours,
 * prom-client, ESM and CommonJS). Medians over interleaved rounds; each ratio is the median of
 * the per-round ratios; `spread` says how noisy a contender was.
 */
export interface ContenderRow {
  readonly name: string;
  /** Unit of the medians, e.g. `µs CPU/request`, `bytes/series`, `ms`. */
  readonly unit: string;
  /** Contenders in the order shown. */
  readonly contenders: readonly string[];
  readonly medians: Readonly<Record<string, number>>;
  /** `"a / b"` -> median of the per-round `a / b`. */
  readonly ratios: Readonly<Record<string, number>>;
  /** `"a - b"` -> median of the per-round `a - b`, in the unit of the medians. */
  readonly differences?: Readonly<Record<string, number>>;
  /** Per contender: (max - min) / median of its rounds, 0 with one round. */
  readonly spread: Readonly<Record<string, number>>;
  readonly rounds: number;
  /** 1-minute load average when the case started and ended (`uptime`). */
  readonly load: readonly [number, number];
}

/** Builds a row from per-round samples (`samples[contender][round]`), with the named ratios. */
export function contenderRow(
  name: string,
  unit: string,
  samples: ReadonlyMap<string, readonly number[]>,
  ratios: readonly (readonly [string, string])[],
  loadBefore: number,
  differences: readonly (readonly [string, string])[] = [],
): ContenderRow {
  const medians: Record<string, number> = {};
  const spread: Record<string, number> = {};
  for (const [who, list] of samples) {
    const m = median(list);
    medians[who] = m;
    spread[who] = list.length < 2 || m === 0 ? 0 : (Math.max(...list) - Math.min(...list)) / m;
  }
  const ratioMedians: Record<string, number> = {};
  for (const [a, b] of ratios) {
    const as = samples.get(a);
    const bs = samples.get(b);
    if (as === undefined || bs === undefined) continue;
    ratioMedians[`${a} / ${b}`] = median(as.map((value, i) => value / bs[i]!));
  }
  const differenceMedians: Record<string, number> = {};
  for (const [a, b] of differences) {
    const as = samples.get(a);
    const bs = samples.get(b);
    if (as === undefined || bs === undefined) continue;
    differenceMedians[`${a} - ${b}`] = median(as.map((value, i) => value - bs[i]!));
  }
  const rounds = Math.min(...[...samples.values()].map((list) => list.length));
  return {
    name,
    unit,
    contenders: [...samples.keys()],
    medians,
    ratios: ratioMedians,
    ...(differences.length > 0 ? { differences: differenceMedians } : {}),
    spread,
    rounds,
    load: [loadBefore, loadavg()[0]!],
  };
}

/** Medians over runs of each run's medians and ratios; the widest spread and load range. */
export function mergeContenderRows(runs: readonly (readonly ContenderRow[] | undefined)[]): ContenderRow[] {
  const first = runs.find((run) => run !== undefined);
  if (first === undefined) return [];
  return first.map((row) => {
    const all = runs.flatMap((run) => run?.filter((r) => r.name === row.name) ?? []);
    const pick = (get: (r: ContenderRow) => Readonly<Record<string, number>>) => {
      const out: Record<string, number> = {};
      for (const key of Object.keys(get(row))) {
        out[key] = median(all.map((r) => get(r)[key]).filter((v): v is number => v !== undefined));
      }
      return out;
    };
    const spread: Record<string, number> = {};
    for (const key of Object.keys(row.spread)) spread[key] = Math.max(...all.map((r) => r.spread[key] ?? 0));
    return {
      ...row,
      medians: pick((r) => r.medians),
      ratios: pick((r) => r.ratios),
      ...(row.differences === undefined ? {} : { differences: pick((r) => r.differences ?? {}) }),
      spread,
      rounds: all.reduce((sum, r) => sum + r.rounds, 0),
      load: [Math.min(...all.map((r) => r.load[0])), Math.max(...all.map((r) => r.load[1]))],
    };
  });
}

function fmt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "";
  if (value >= 1000) return Math.round(value).toLocaleString("en-US");
  if (value >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}

/**
 * A markdown table of rows sharing contenders: one column per contender (median, with its
 * spread when over `noisyAbove`), one per ratio, and the load average while it ran.
 */
export function renderContenderTable(rows: readonly ContenderRow[] | undefined, noisyAbove = 0.5): string {
  if (rows === undefined || rows.length === 0) return "_not run_\n";
  const contenders = [...new Set(rows.flatMap((row) => row.contenders))];
  const ratios = [...new Set(rows.flatMap((row) => Object.keys(row.ratios)))];
  const differences = Object.keys(rows[0]!.differences ?? {});
  const extra = [...ratios, ...differences];
  const header = `| case (${rows[0]!.unit}) | ${contenders.join(" | ")} | ${extra.join(" | ")} | rounds | load |`;
  const rule = `|---|${contenders.map(() => "---:").join("|")}|${extra.map(() => "---:").join("|")}|---:|---|`;
  const lines = rows.map((row) => {
    const cells = contenders.map((who) => {
      const spread = row.spread[who] ?? 0;
      return `${fmt(row.medians[who])}${spread > noisyAbove ? ` (±${Math.round(spread * 50)}%)` : ""}`;
    });
    const ratioCells = [
      ...ratios.map((key) => {
        const value = row.ratios[key];
        return value === undefined ? "" : `${value.toFixed(2)}x`;
      }),
      ...differences.map((key) => {
        const value = row.differences?.[key];
        return value === undefined ? "" : `${value >= 0 ? "+" : ""}${fmt(value)}`;
      }),
    ];
    return `| ${row.name} | ${cells.join(" | ")} | ${ratioCells.join(" | ")} | ${row.rounds} | ${row.load[0].toFixed(1)}-${row.load[1].toFixed(1)} |`;
  });
  return [header, rule, ...lines, ""].join("\n");
}
