import { type Attributes, trace as traceApi } from "@opentelemetry/api";
import type { SignalAttributes } from "../src/collector/telemetry-collector.js";
import type { OperationContextManager } from "../src/recording/operation-context-manager.js";
import { type GoldenSignal, GoldenSignals } from "../src/signals/golden-signals.js";
import { EXCHANGES } from "../src/signals/label-values.js";
import { type BenchCase, type CaseResult, compareCases } from "./lib/compare.js";
import { benchCollector, FloorHistogram, otelInstruments, promClientMetrics } from "./lib/contenders.js";

/**
 * `recordSignal` for each golden signal with 0, 2 and 4 attributes and 1, 100 and 10,000 distinct
 * attribute sets, beside prom-client and the OpenTelemetry SDK doing the same work (the same
 * attribute objects, one instrument call per record) and beside the floor (a pre-resolved
 * typed-array record).
 *
 * 4 attributes are the signal's labels plus one key outside the allow-list (`tier`): our store
 * ignores it (attribute keys are allow-listed), prom-client and OpenTelemetry keep it as a label. It is constant per
 * operation, so every contender holds the same number of series.
 */

const VALUES: Readonly<Record<GoldenSignal, number>> = {
  latency: 0.245,
  error_rate: 0,
  traffic: 1024,
  saturation: 0.32,
};

/** Attribute set `i` of `count` for `signal` with `keys` attributes (2 or 4). */
function attributeSet(signal: GoldenSignal, keys: number, i: number): Attributes {
  const exchange = EXCHANGES[i & 1]!;
  const name = `op_${i}`;
  switch (signal) {
    case "latency":
      return keys === 2
        ? { operation: name, exchange }
        : { operation: name, exchange, outcome: "ok", tier: "pro" };
    case "error_rate":
      return keys === 2
        ? { operation: name, exchange }
        : { operation: name, exchange, error_type: "timeout", tier: "pro" };
    case "traffic":
      return keys === 2
        ? { operation: name, exchange }
        : { operation: name, exchange, kind: "tokens", direction: "input" };
    default:
      return keys === 2
        ? { resource: `pool_${i}`, tier: "pro" }
        : { resource: `pool_${i}`, tier: "pro", zone: "eu", host: "a" };
  }
}

/** The three contenders and the floor, each recording `signal` with cycling attribute sets. */
export function recordCase(signal: GoldenSignal, keys: number, setCount: number): BenchCase {
  const value = VALUES[signal];
  const sets = Array.from({ length: keys === 0 ? 1 : setCount }, (_, i) => attributeSet(signal, keys, i));
  const n = sets.length;
  const labelNames = keys === 0 ? [] : Object.keys(sets[0]!);
  const collector = benchCollector();
  const prom = promClientMetrics(labelNames);
  const otel = otelInstruments();
  const floorHistogram = new FloorHistogram(n);
  const floorCounter = new Float64Array(n);
  const name = `recordSignal ${signal}, ${keys} attributes, ${n} ${n === 1 ? "set" : "sets"}`;
  let i = 0;
  let j = 0;
  let k = 0;
  let f = 0;

  if (keys === 0) {
    const ours = () => collector.recordSignal(signal, value);
    switch (signal) {
      case "latency":
        return {
          name,
          ours,
          promClient: () => prom.latency.observe(value),
          otel: () => otel.latency.record(value),
          floor: () => floorHistogram.record(0, value),
        };
      case "error_rate":
        return {
          name,
          ours,
          promClient: () => prom.requests.inc(),
          otel: () => otel.requests.add(1),
          floor: () => floorCounter[0]!++,
        };
      case "traffic":
        return {
          name,
          ours,
          promClient: () => prom.exchangeSize.inc(value),
          otel: () => otel.exchangeSize.add(value),
          floor: () => (floorCounter[0]! += value),
        };
      default:
        return {
          name,
          ours,
          promClient: () => prom.saturation.set(value),
          otel: () => otel.saturation.record(value),
          floor: () => (floorCounter[0] = value),
        };
    }
  }

  // Every contender cycles through the same attribute objects with its own index.
  const ours = () => {
    collector.recordSignal(signal, value, sets[i] as SignalAttributes);
    if (++i === n) i = 0;
  };
  const labels = sets as Record<string, string>[];
  const metric = keys === 4 && signal === "traffic" ? "tokens" : "exchangeSize";
  switch (signal) {
    case "latency":
      return {
        name,
        ours,
        promClient: () => {
          prom.latency.observe(labels[j]!, value);
          if (++j === n) j = 0;
        },
        otel: () => {
          otel.latency.record(value, sets[k]);
          if (++k === n) k = 0;
        },
        floor: () => {
          floorHistogram.record(f, value);
          if (++f === n) f = 0;
        },
      };
    case "error_rate":
      return {
        name,
        ours,
        promClient: () => {
          prom.requests.inc(labels[j]!);
          if (++j === n) j = 0;
        },
        otel: () => {
          otel.requests.add(1, sets[k]);
          if (++k === n) k = 0;
        },
        floor: () => {
          floorCounter[f]!++;
          if (++f === n) f = 0;
        },
      };
    case "traffic":
      return {
        name,
        ours,
        promClient: () => {
          prom[metric].inc(labels[j]!, value);
          if (++j === n) j = 0;
        },
        otel: () => {
          otel[metric].add(value, sets[k]);
          if (++k === n) k = 0;
        },
        floor: () => {
          floorCounter[f]! += value;
          if (++f === n) f = 0;
        },
      };
    default:
      return {
        name,
        ours,
        promClient: () => {
          prom.saturation.set(labels[j]!, value);
          if (++j === n) j = 0;
        },
        otel: () => {
          otel.saturation.record(value, sets[k]);
          if (++k === n) k = 0;
        },
        floor: () => {
          floorCounter[f] = value;
          if (++f === n) f = 0;
        },
      };
  }
}

/** Every `recordSignal` case: 4 signals x (0 attributes, and 2 or 4 attributes x 1/100/10,000 sets). */
export function recordCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const signal of Object.values(GoldenSignals)) {
    cases.push(recordCase(signal, 0, 1));
    for (const keys of [2, 4])
      for (const sets of [1, 100, 10_000]) cases.push(recordCase(signal, keys, sets));
  }
  return cases;
}

/** Values spread over the buckets (and, with native histograms, over the exponential buckets). */
const SPREAD = [0.004, 0.02, 0.07, 0.245, 0.9, 2.5, 11, 45];

/**
 * Issue 17's costs beside the classic record (the "floor" column of these cases is the classic
 * `recordSignal` of the same values, so "ours / floor" is the ratio to it; target <= 1.3x):
 * - exemplars on (the default `trace_based` filter) with a sampled span active: the span is
 *   entered once around the whole measurement (`attach`), as a request's span is around its
 *   records, so the case times the record and its exemplar offer, not entering a context;
 * - native histograms: the same observations also in base-2 exponential buckets.
 */
export function extensionCases(): BenchCase[] {
  const set = { operation: "op_0", exchange: "ai_ai" };
  const classic = benchCollector();
  const withSpan = benchCollector({ tracing: true });
  const native = benchCollector({ nativeHistograms: true });
  // As in an application that runs trace(): each collector's context storage is in use (an
  // AsyncLocalStorage never entered answers getStore() in ~0.4 ns, an entered one in ~5 ns).
  for (const collector of [classic, native]) collector.trace("warm-up", () => undefined);
  const span = withSpan.tracer.startSpan("request");
  // The bench collector's own context manager: the span stays active for every later call here.
  (withSpan.contextManager as OperationContextManager).attach(
    traceApi.setSpan(withSpan.contextManager.active(), span),
  );
  let i = 0;
  let j = 0;
  let k = 0;
  return [
    {
      name: "recordSignal latency, exemplars on, sampled span active (floor column: classic record)",
      ours: () => withSpan.recordSignal(GoldenSignals.LATENCY, SPREAD[i++ & 7]!, set),
      floor: () => classic.recordSignal(GoldenSignals.LATENCY, SPREAD[k++ & 7]!, set),
    },
    {
      name: "recordSignal latency, native histograms (floor column: classic record)",
      ours: () => native.recordSignal(GoldenSignals.LATENCY, SPREAD[j++ & 7]!, set),
      floor: () => classic.recordSignal(GoldenSignals.LATENCY, SPREAD[k++ & 7]!, set),
    },
  ];
}

/** Runs the `recordSignal` section. */
export async function runRecordBench(options: { rounds?: number } = {}): Promise<CaseResult[]> {
  // 28 cases x 4 contenders: 25 ms per measurement keeps the section near a minute on 2 cores.
  return compareCases([...recordCases(), ...extensionCases()], {
    rounds: options.rounds ?? 3,
    minCpuTimeMs: 25,
  });
}
