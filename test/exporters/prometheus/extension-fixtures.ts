import type { Attributes } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  INSTRUMENTATION_SCOPE,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
} from "../../../src/signals/metric-definitions.js";
import type { Exemplar, NativeHistogram, PointExtensions } from "../../../src/snapshot/point-extensions.js";

/**
 * Hand-made snapshots carrying the store's point extensions (src/snapshot/point-extensions.ts:
 * exemplars, native histograms), for testing the serializer's side of the contract before the
 * recording kernel attaches them.
 */

export const TIME: [number, number] = [1_767_225_600, 0];

/** A deterministic PRNG (mulberry32): the same values on every run. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` log-normal values (median e^mu seconds), from a fixed seed. */
export function logNormalValues(count: number, mu: number, sigma: number, seed = 17): number[] {
  const next = random(seed);
  const values: number[] = [];
  for (let i = 0; i < count; i += 2) {
    // Box-Muller: two standard normals per pair of uniforms.
    const u = 1 - next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    values.push(Math.exp(mu + sigma * r * Math.cos(2 * Math.PI * v)));
    if (i + 1 < count) values.push(Math.exp(mu + sigma * r * Math.sin(2 * Math.PI * v)));
  }
  return values;
}

/** The exact `q` quantile of `values` (the value at rank ceil(q * n), as Prometheus ranks). */
export function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** Classic buckets of `values` over `bounds` (non-cumulative counts, `bounds.length + 1` long). */
export function classicCounts(values: readonly number[], bounds: readonly number[]): number[] {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const value of values) {
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    counts[i]!++;
  }
  return counts;
}

/** OpenTelemetry bucket index of a positive value at `scale`: bucket i holds (base^i, base^(i+1)]. */
export function exponentialIndex(value: number, scale: number): number {
  return Math.ceil(Math.log2(value) * 2 ** scale) - 1;
}

/** A base-2 exponential histogram of non-negative `values` at `scale`, as the store would attach it. */
export function nativeOf(values: readonly number[], scale: number, zeroThreshold: number): NativeHistogram {
  let zeroCount = 0;
  const byIndex = new Map<number, number>();
  let sum = 0;
  for (const value of values) {
    sum += value;
    if (value <= zeroThreshold) {
      zeroCount++;
      continue;
    }
    const index = exponentialIndex(value, scale);
    byIndex.set(index, (byIndex.get(index) ?? 0) + 1);
  }
  const indexes = [...byIndex.keys()].sort((a, b) => a - b);
  const offset = indexes[0] ?? 0;
  const bucketCounts = new Array<number>(indexes.length === 0 ? 0 : indexes.at(-1)! - offset + 1).fill(0);
  for (const [index, count] of byIndex) bucketCounts[index - offset] = count;
  return {
    count: values.length,
    sum,
    scale,
    zeroCount,
    zeroThreshold,
    positive: { offset, bucketCounts },
    negative: { offset: 0, bucketCounts: [] },
    ...(values.length > 0 ? { min: Math.min(...values), max: Math.max(...values) } : {}),
  };
}

export const TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
export const SPAN_A = "00f067aa0ba902b7";
export const TRACE_B = "0af7651916cd43dd8448eb211c80319c";
export const SPAN_B = "b7ad6b7169203331";

/** An exemplar of `value` recorded at `timeUnixMs`. */
export function exemplar(
  value: number,
  traceId = TRACE_A,
  spanId = SPAN_A,
  timeUnixMs = 1_767_225_601_250,
): Exemplar {
  return { value, timeUnixMs, traceId, spanId };
}

/**
 * One latency series of our own store (`zoran_latency_seconds{operation="answer",...}`) holding
 * `values`, with exemplars on the buckets given and, when `scale` is set, the native form; plus
 * one request counter with an exemplar. Optionally an application histogram holding the same
 * values with classic buckets only (for comparing a classic estimate in the same page).
 */
export function extensionSnapshot(options: {
  values: readonly number[];
  scale?: number;
  zeroThreshold?: number;
  bucketExemplars?: Readonly<Record<number, Exemplar>>;
  counterExemplar?: Exemplar;
  classicCopy?: boolean;
}): ResourceMetrics {
  const attributes: Attributes = Object.freeze({ operation: "answer", exchange: "ai_human", outcome: "ok" });
  const counts = classicCounts(options.values, LATENCY_BOUNDS_SECONDS);
  const sum = options.values.reduce((a, b) => a + b, 0);
  const exemplars: (Exemplar | undefined)[] | undefined =
    options.bucketExemplars === undefined ? undefined : counts.map((_, i) => options.bucketExemplars![i]);
  const latencyPoint: PointExtensions & Record<string, unknown> = {
    startTime: TIME,
    endTime: TIME,
    attributes,
    value: {
      buckets: { boundaries: LATENCY_BOUNDS_SECONDS as number[], counts },
      sum,
      count: options.values.length,
    },
    ...(exemplars === undefined ? {} : { exemplars }),
    ...(options.scale === undefined
      ? {}
      : { native: nativeOf(options.values, options.scale, options.zeroThreshold ?? 1e-9) }),
  };
  const requestPoint = {
    startTime: TIME,
    endTime: TIME,
    attributes,
    value: options.values.length,
    ...(options.counterExemplar === undefined ? {} : { exemplars: [options.counterExemplar] }),
  };
  const ours: MetricData[] = [
    {
      descriptor: {
        name: LATENCY_METRIC.name,
        description: LATENCY_METRIC.description,
        unit: "s",
        valueType: 1,
      },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [latencyPoint as never],
    },
    {
      descriptor: {
        name: REQUESTS_METRIC.name,
        description: REQUESTS_METRIC.description,
        unit: "",
        valueType: 1,
      },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [requestPoint as never],
    },
  ];
  const scopeMetrics: ResourceMetrics["scopeMetrics"] = [];
  if (options.classicCopy) {
    scopeMetrics.push({
      scope: { name: "reference", version: "1" },
      metrics: [
        {
          descriptor: {
            name: "reference.latency",
            description: "Same values, classic buckets only.",
            unit: "s",
            valueType: 1,
          },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: [
            {
              startTime: TIME,
              endTime: TIME,
              attributes: { operation: "answer" },
              value: {
                buckets: { boundaries: LATENCY_BOUNDS_SECONDS as number[], counts },
                sum,
                count: options.values.length,
              },
            },
          ],
        },
      ],
    });
  }
  scopeMetrics.push({ scope: INSTRUMENTATION_SCOPE, metrics: ours });
  return { resource: resourceFromAttributes({ "service.name": "extensions" }), scopeMetrics };
}
