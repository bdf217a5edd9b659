import { type Attributes, type HrTime, ValueType } from "@opentelemetry/api";
import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import { detachedCopy } from "../privacy/detached-copy.js";
import { scrubModelName } from "../privacy/scrub-value.js";
import type { StoreMetricSource } from "../recording/golden-signal-store.js";
import type { Recorder } from "../recording/recorder.js";
import {
  ATTEMPTS_METRIC,
  CACHED_TOKENS_METRIC,
  GEN_AI_DURATION_BOUNDS_SECONDS,
  GEN_AI_FIRST_CHUNK_BOUNDS_SECONDS,
  GEN_AI_METRIC_NAMES,
  GEN_AI_TOKEN_BOUNDS,
} from "../signals/gen-ai-metric-definitions.js";
import { EXCHANGES, OVERFLOW_ATTRIBUTE } from "../signals/label-values.js";

export {
  GEN_AI_DURATION_BOUNDS_SECONDS,
  GEN_AI_FIRST_CHUNK_BOUNDS_SECONDS,
  GEN_AI_METRIC_NAMES,
  GEN_AI_TOKEN_BOUNDS,
};

/** Which GenAI semantic-convention names are emitted. */
export type GenAiSemconvMode = "v1.36" | "latest_experimental";

/** Reads `OTEL_SEMCONV_STABILITY_OPT_IN` (a comma-separated list) for `gen_ai_latest_experimental`. */
export function genAiSemconvMode(env: NodeJS.ProcessEnv = process.env): GenAiSemconvMode {
  const optIn = env.OTEL_SEMCONV_STABILITY_OPT_IN ?? "";
  return optIn
    .split(",")
    .map((value) => value.trim())
    .includes("gen_ai_latest_experimental")
    ? "latest_experimental"
    : "v1.36";
}

/**
 * One cumulative explicit-bucket histogram in a Float64Array:
 *
 *   [ count(v <= b0), ..., count(v > b[n-1]), sum, count, min, max ]
 *
 * (the layout of the store's histogram series, kept here so that the GenAI path does not depend
 * on the store's internal layout).
 */
export class HistogramCell {
  readonly data: Float64Array;

  constructor(readonly bounds: readonly number[]) {
    const n = bounds.length;
    this.data = new Float64Array(n + 5);
    this.data[n + 3] = Number.POSITIVE_INFINITY;
    this.data[n + 4] = Number.NEGATIVE_INFINITY;
  }

  /** Adds one observation (a finite number >= 0: the caller validates). */
  record(value: number): void {
    const bounds = this.bounds;
    const n = bounds.length;
    const data = this.data;
    let i = 0;
    while (i < n && value > bounds[i]!) i++;
    data[i]!++;
    data[n + 1]! += value;
    data[n + 2]!++;
    if (value < data[n + 3]!) data[n + 3] = value;
    if (value > data[n + 4]!) data[n + 4] = value;
  }

  point(attributes: Attributes, startTime: HrTime, endTime: HrTime): DataPoint<Histogram> | undefined {
    const n = this.bounds.length;
    const data = this.data;
    const count = data[n + 2]!;
    if (count === 0) return undefined;
    const counts = new Array<number>(n + 1);
    for (let i = 0; i <= n; i++) counts[i] = data[i]!;
    return {
      startTime,
      endTime,
      attributes,
      value: {
        buckets: { boundaries: this.bounds as number[], counts },
        sum: data[n + 1]!,
        count,
        min: data[n + 3]!,
        max: data[n + 4]!,
      },
    };
  }
}

/**
 * Pre-resolved GenAI histograms of one attribute set (operation name, provider, request and
 * response model, error type): what an exchange records at its end, found by one Map lookup.
 */
export interface GenAiHandles {
  /** The attributes of every series here (`error.type` only on failures). */
  readonly attributes: Attributes;
  /** `gen_ai.client.operation.duration`, seconds. */
  readonly duration: HistogramCell;
  /** `gen_ai.client.token.usage` with `gen_ai.token.type="input"`. */
  readonly inputTokens: HistogramCell;
  /** `gen_ai.client.token.usage` with `gen_ai.token.type="output"`. */
  readonly outputTokens: HistogramCell;
  /** `gen_ai.client.operation.time_to_first_chunk`: recorded only in `latest_experimental` mode. */
  readonly firstChunk: HistogramCell;
}

interface HandleEntry extends GenAiHandles {
  readonly inputAttributes: Attributes;
  readonly outputAttributes: Attributes;
}

/** `zoran_attempts_total` and `zoran_cached_tokens_total` of one operation, per exchange index. */
interface OperationCounters {
  readonly attributes: readonly Attributes[];
  readonly attempts: Float64Array;
  readonly cachedTokens: Float64Array;
}

// Longest raw model or provider name cached (longer ones are resolved on every call: bounded memory).
const MAX_CACHED_NAME_LENGTH = 256;
const MAX_CACHED_NAMES = 4096;

/**
 * The GenAI semantic-convention client metrics of one collector, plus the AI-exchange counters
 * that are not golden signals (attempts, cached input tokens). Recorded through handles cached per
 * attribute set, not through the OpenTelemetry SDK's `histogram.record(value, attributes)`: that
 * call hashes the attribute object (sort + JSON.stringify) every time, measured at about 11 us per
 * exchange for the three GenAI histograms (issue 16; bench/ai-overhead.bench.ts). Collected with
 * the golden-signal store, in its scope, so every exporter sees them.
 *
 * Bounded: at most `cardinalityLimit` attribute sets per table; past it, one overflow set
 * `{ otel_metric_overflow: true }`.
 */
export class GenAiMetrics implements StoreMetricSource {
  readonly mode: GenAiSemconvMode;
  /** Attribute key naming the provider: `gen_ai.system` (v1.36) or `gen_ai.provider.name`. */
  readonly providerKey: "gen_ai.system" | "gen_ai.provider.name";
  private readonly handles = new Map<string, HandleEntry>();
  private readonly counters = new Map<string, OperationCounters>();
  private readonly names = new Map<string, string | undefined>();
  private overflowHandles: HandleEntry | undefined;
  // The last attribute set looked up: calls repeat it (one model, one outcome), and comparing five
  // strings is cheaper than building the key and hashing it.
  private last: { readonly args: readonly (string | undefined)[]; readonly entry: HandleEntry } | undefined;
  private overflowCounters: OperationCounters | undefined;

  constructor(
    mode: GenAiSemconvMode = genAiSemconvMode(),
    private readonly cardinalityLimit = 2000,
  ) {
    this.mode = mode;
    this.providerKey = mode === "latest_experimental" ? "gen_ai.provider.name" : "gen_ai.system";
  }

  /**
   * A provider or model name as an attribute value (an identifier as it is, else scrubbed and
   * short; undefined when empty), from a bounded cache: the regex and the scrubber run once per
   * distinct name, not once per call.
   */
  name(raw: unknown): string | undefined {
    if (typeof raw !== "string") return undefined;
    const cached = this.names.get(raw);
    if (cached !== undefined || this.names.has(raw)) return cached;
    const resolved = scrubModelName(raw);
    if (raw.length <= MAX_CACHED_NAME_LENGTH && this.names.size < MAX_CACHED_NAMES)
      // A copy as the key: `raw` may be a slice of a large response body, which a key would pin.
      this.names.set(detachedCopy(raw), resolved);
    return resolved;
  }

  /**
   * The handles of one attribute set. Every argument must already be an attribute value
   * ({@link name} for free text; `errorType` from the closed set).
   */
  handlesFor(
    operationName: string,
    provider: string,
    requestModel: string | undefined,
    responseModel: string | undefined,
    errorType: string | undefined,
  ): GenAiHandles {
    const last = this.last;
    if (
      last !== undefined &&
      last.args[0] === operationName &&
      last.args[1] === provider &&
      last.args[2] === requestModel &&
      last.args[3] === responseModel &&
      last.args[4] === errorType
    )
      return last.entry;
    const key = `${operationName}\u0000${provider}\u0000${requestModel ?? ""}\u0000${responseModel ?? ""}\u0000${errorType ?? ""}`;
    const existing = this.handles.get(key);
    if (existing !== undefined) {
      this.last = {
        args: [operationName, provider, requestModel, responseModel, errorType],
        entry: existing,
      };
      return existing;
    }
    if (this.handles.size >= this.cardinalityLimit) return this.overflowHandleEntry();
    const attributes: Attributes = { "gen_ai.operation.name": operationName, [this.providerKey]: provider };
    if (requestModel !== undefined) attributes["gen_ai.request.model"] = requestModel;
    if (responseModel !== undefined) attributes["gen_ai.response.model"] = responseModel;
    if (errorType !== undefined) attributes["error.type"] = errorType;
    const entry = this.newEntry(Object.freeze(attributes));
    this.handles.set(key, entry);
    return entry;
  }

  /** Counts `attempts` provider attempts (1 without retries) of an exchange of `operation` (scrubbed). */
  addAttempts(operation: string, exchangeIndex: number, attempts: number): void {
    this.countersFor(operation).attempts[exchangeIndex]! += attempts;
  }

  /** Counts input tokens read from the provider's prompt cache. */
  addCachedTokens(operation: string, exchangeIndex: number, tokens: number): void {
    this.countersFor(operation).cachedTokens[exchangeIndex]! += tokens;
  }

  /** The metrics so far (`StoreMetricSource`): the store collects them with the golden signals. */
  metrics(startTime: HrTime, endTime: HrTime): MetricData[] {
    const entries = [...this.handles.values()];
    if (this.overflowHandles !== undefined) entries.push(this.overflowHandles);
    const out: MetricData[] = [];
    const duration: DataPoint<Histogram>[] = [];
    const tokens: DataPoint<Histogram>[] = [];
    const firstChunk: DataPoint<Histogram>[] = [];
    for (const entry of entries) {
      const d = entry.duration.point(entry.attributes, startTime, endTime);
      if (d) duration.push(d);
      const i = entry.inputTokens.point(entry.inputAttributes, startTime, endTime);
      if (i) tokens.push(i);
      const o = entry.outputTokens.point(entry.outputAttributes, startTime, endTime);
      if (o) tokens.push(o);
      const f = entry.firstChunk.point(entry.attributes, startTime, endTime);
      if (f) firstChunk.push(f);
    }
    if (duration.length > 0)
      out.push(
        histogramData(GEN_AI_METRIC_NAMES.operationDuration, "s", "GenAI operation duration.", duration),
      );
    if (tokens.length > 0)
      out.push(
        histogramData(
          GEN_AI_METRIC_NAMES.tokenUsage,
          "{token}",
          "Measures number of input and output tokens used.",
          tokens,
        ),
      );
    if (firstChunk.length > 0)
      out.push(
        histogramData(
          GEN_AI_METRIC_NAMES.timeToFirstChunk,
          "s",
          "Time to receive the first chunk of a streamed response.",
          firstChunk,
        ),
      );
    const counterEntries = [...this.counters.values()];
    if (this.overflowCounters !== undefined) counterEntries.push(this.overflowCounters);
    for (const [definition, field] of [
      [ATTEMPTS_METRIC, "attempts"],
      [CACHED_TOKENS_METRIC, "cachedTokens"],
    ] as const) {
      const points: DataPoint<number>[] = [];
      for (const entry of counterEntries) {
        const values = entry[field];
        for (let x = 0; x < values.length; x++) {
          if (values[x]! > 0)
            points.push({ startTime, endTime, attributes: entry.attributes[x]!, value: values[x]! });
        }
      }
      if (points.length > 0) {
        out.push({
          descriptor: {
            name: definition.name,
            description: definition.description,
            unit: definition.unit,
            valueType: ValueType.DOUBLE,
          },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: points,
        });
      }
    }
    return out;
  }

  private newEntry(attributes: Attributes): HandleEntry {
    return {
      attributes,
      inputAttributes: Object.freeze({ ...attributes, "gen_ai.token.type": "input" }),
      outputAttributes: Object.freeze({ ...attributes, "gen_ai.token.type": "output" }),
      duration: new HistogramCell(GEN_AI_DURATION_BOUNDS_SECONDS),
      inputTokens: new HistogramCell(GEN_AI_TOKEN_BOUNDS),
      outputTokens: new HistogramCell(GEN_AI_TOKEN_BOUNDS),
      firstChunk: new HistogramCell(GEN_AI_FIRST_CHUNK_BOUNDS_SECONDS),
    };
  }

  private overflowHandleEntry(): HandleEntry {
    this.overflowHandles ??= this.newEntry(Object.freeze({ [OVERFLOW_ATTRIBUTE]: true }));
    return this.overflowHandles;
  }

  private countersFor(operation: string): OperationCounters {
    const existing = this.counters.get(operation);
    if (existing !== undefined) return existing;
    if (this.counters.size >= this.cardinalityLimit) {
      this.overflowCounters ??= newCounters(() => Object.freeze({ [OVERFLOW_ATTRIBUTE]: true }));
      return this.overflowCounters;
    }
    const counters = newCounters((exchange) => Object.freeze({ operation, exchange }));
    this.counters.set(operation, counters);
    return counters;
  }
}

function newCounters(attributesOf: (exchange: string) => Attributes): OperationCounters {
  return {
    attributes: EXCHANGES.map(attributesOf),
    attempts: new Float64Array(EXCHANGES.length),
    cachedTokens: new Float64Array(EXCHANGES.length),
  };
}

function histogramData(
  name: string,
  unit: string,
  description: string,
  dataPoints: DataPoint<Histogram>[],
): MetricData {
  return {
    descriptor: { name, description, unit, valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints,
  };
}

const METRICS = new WeakMap<Recorder, GenAiMetrics | null>();

/**
 * The collector's GenAI metrics, created on first use and registered with its store. Undefined
 * for a recorder that cannot collect extra metrics (a custom `Recorder` without `addMetricSource`).
 */
export function genAiMetrics(recorder: Recorder): GenAiMetrics | undefined {
  const existing = METRICS.get(recorder);
  if (existing !== undefined) return existing ?? undefined;
  let metrics: GenAiMetrics | null = null;
  try {
    if (typeof recorder.addMetricSource === "function") {
      metrics = new GenAiMetrics();
      recorder.addMetricSource(metrics);
    }
  } catch {
    metrics = null;
  }
  METRICS.set(recorder, metrics);
  return metrics ?? undefined;
}
