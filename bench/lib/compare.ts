import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { measure } from "mitata";

/** One contender of a comparison: our code, a competitor doing the same work, or the floor. */
export type Contender = "ours" | "promClient" | "otel" | "floor";

/** Synchronous work measured per operation (ns). */
export type Work = () => unknown;

/** One benchmark case: the same work done by each contender that can do it. */
export interface BenchCase {
  /** What is measured, naming the cardinality (e.g. `record latency, 2 attributes, 100 sets`). */
  readonly name: string;
  readonly ours: Work;
  readonly promClient?: Work;
  readonly otel?: Work;
  readonly floor?: Work;
}

/** A case whose work takes milliseconds or returns a promise: each contender's call is timed alone. */
export type SlowCase = { readonly name: string; readonly calls?: number } & Partial<
  Record<Contender, () => unknown>
>;

/** Median of each contender over interleaved rounds, in the unit of the section (ns or ms). */
export interface CaseResult {
  readonly name: string;
  readonly medians: Partial<Record<Contender, number>>;
  /** Medians of the per-round ratios: competitor / ours, and ours / floor. */
  readonly ratios: { promClient?: number; otel?: number; floor?: number };
}

/** How long mitata samples one contender in one round; small, since rounds repeat it. */
export interface CompareOptions {
  /** Interleaved rounds; each round measures every contender of every case once. @default 5 */
  readonly rounds?: number;
  /** CPU time mitata spends on one contender in one round, in ms. @default 40 */
  readonly minCpuTimeMs?: number;
}

const CONTENDERS: readonly Contender[] = ["ours", "promClient", "otel", "floor"];

/**
 * Runs every contender of every case in interleaved rounds (round 1: all cases and contenders,
 * round 2: again, in rotated order...), so that a noisy neighbour or a CPU frequency change
 * hits all of them alike. Each measurement is mitata's p50 ns per call: mitata batches calls
 * between clock reads, so the ~45 ns clock read here is not charged to each call.
 */
export async function compareCases(
  cases: readonly BenchCase[],
  options: CompareOptions = {},
): Promise<CaseResult[]> {
  const rounds = options.rounds ?? 5;
  const minCpuTime = (options.minCpuTimeMs ?? 40) * 1e6;
  const samples = cases.map(() => new Map<Contender, number[]>());
  for (let round = 0; round < rounds; round++) {
    for (let c = 0; c < cases.length; c++) {
      const benchCase = cases[c]!;
      const present = CONTENDERS.filter((who) => benchCase[who] !== undefined);
      // Rotate the order each round: no contender always runs right after another's garbage.
      for (let k = 0; k < present.length; k++) {
        const who = present[(k + round) % present.length]!;
        const stats = await measure(benchCase[who]!, { min_cpu_time: minCpuTime, max_samples: 1e9 });
        const list = samples[c]!.get(who) ?? [];
        list.push(stats.p50);
        samples[c]!.set(who, list);
      }
    }
  }
  return cases.map((benchCase, c) => summarize(benchCase.name, samples[c]!));
}

/**
 * Runs asynchronous (or slow) work in interleaved rounds, timing each call with the wall clock:
 * for cases in milliseconds (serialization of 10,000 series, collection), where one clock read
 * per call is noise.
 *
 * `gcBetweenContenders`: a full GC before each contender's warm-up call, so that no contender
 * pays for another's garbage. Measured at 10,000 sets (bench/serialize.bench.ts): prom-client's
 * ~650 ms scrape leaves a heap whose collection lands in whichever contender allocates next;
 * with prom-client in the rotation ours/floor read 2.1x (text) and 3.6x (OpenMetrics), with
 * ours and the floor alone 0.9x and 1.1x, same code, same minute. A contender's own garbage
 * still counts: it is collected during its own timed calls.
 */
export async function compareSlowCases(
  cases: readonly SlowCase[],
  options: { rounds?: number; callsPerRound?: number; gcBetweenContenders?: boolean } = {},
): Promise<CaseResult[]> {
  const rounds = options.rounds ?? 5;
  const calls = options.callsPerRound ?? 3;
  const collectGarbage = options.gcBetweenContenders === true ? fullGc() : undefined;
  const samples = cases.map(() => new Map<Contender, number[]>());
  for (let round = 0; round < rounds; round++) {
    for (let c = 0; c < cases.length; c++) {
      const benchCase = cases[c]!;
      const present = CONTENDERS.filter((who) => benchCase[who] !== undefined);
      for (let k = 0; k < present.length; k++) {
        const who = present[(k + round) % present.length]!;
        const work = benchCase[who]!;
        collectGarbage?.();
        await work(); // warm this contender's caches and JIT after the others ran
        const times: number[] = [];
        for (let i = 0; i < (benchCase.calls ?? calls); i++) {
          const start = performance.now();
          await work();
          times.push(performance.now() - start);
        }
        const list = samples[c]!.get(who) ?? [];
        list.push(median(times));
        samples[c]!.set(who, list);
      }
    }
  }
  return cases.map((benchCase, c) => summarize(benchCase.name, samples[c]!));
}

/** V8's full GC (`--expose-gc` set at run time, as test/integration/endpoint-load.test.ts does). */
function fullGc(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
  };
}

/** Builds a result from per-round samples: medians, and medians of per-round ratios. */
export function summarize(name: string, samples: ReadonlyMap<Contender, number[]>): CaseResult {
  const medians: Partial<Record<Contender, number>> = {};
  for (const [who, list] of samples) medians[who] = median(list);
  const ours = samples.get("ours") ?? [];
  const ratio = (other: Contender, inverse: boolean): number | undefined => {
    const list = samples.get(other);
    if (list === undefined) return undefined;
    return median(list.map((value, i) => (inverse ? ours[i]! / value : value / ours[i]!)));
  };
  const ratios: CaseResult["ratios"] = {};
  const prom = ratio("promClient", false);
  const otel = ratio("otel", false);
  const floor = ratio("floor", true);
  if (prom !== undefined) ratios.promClient = prom;
  if (otel !== undefined) ratios.otel = otel;
  if (floor !== undefined) ratios.floor = floor;
  return { name, medians, ratios };
}

/** Median of a non-empty list (mean of the two middle values for an even length). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
