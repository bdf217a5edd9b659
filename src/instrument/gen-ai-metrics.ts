import type { Attributes, Histogram } from "@opentelemetry/api";
import type { TelemetryCollector } from "../collector/telemetry-collector.js";

/**
 * The OpenTelemetry GenAI semantic-convention client metrics that `exchange()` emits beside the
 * golden signals. Names are the semantic conventions', not ours, so they live here rather than in
 * `signals/` (which holds the frozen zoran names).
 *
 * - Default: v1.36 (`gen_ai.system` names the provider).
 * - `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`: the newer names
 *   (`gen_ai.provider.name`), plus `gen_ai.client.operation.time_to_first_chunk` for streams.
 */
export const GEN_AI_METRIC_NAMES = Object.freeze({
  operationDuration: "gen_ai.client.operation.duration",
  tokenUsage: "gen_ai.client.token.usage",
  timeToFirstChunk: "gen_ai.client.operation.time_to_first_chunk",
});

/** Bucket bounds advised for `gen_ai.client.operation.duration`, in seconds (0.01 doubling to 81.92). */
export const GEN_AI_DURATION_BOUNDS_SECONDS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]);

/** Bucket bounds advised for `gen_ai.client.token.usage`, in tokens (powers of 4 from 1 to 4^13). */
export const GEN_AI_TOKEN_BOUNDS: readonly number[] = Object.freeze([
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]);

/** Bucket bounds for `gen_ai.client.operation.time_to_first_chunk`, in seconds (those of time to first token). */
export const GEN_AI_FIRST_CHUNK_BOUNDS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

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

/** The GenAI instruments of one collector, created once on its meter. */
export interface GenAiInstruments {
  readonly mode: GenAiSemconvMode;
  /** Attribute key naming the provider: `gen_ai.system` (v1.36) or `gen_ai.provider.name`. */
  readonly providerKey: "gen_ai.system" | "gen_ai.provider.name";
  readonly duration: Histogram<Attributes>;
  readonly tokenUsage: Histogram<Attributes>;
  /** Only in `latest_experimental` mode. */
  readonly timeToFirstChunk: Histogram<Attributes> | undefined;
}

const INSTRUMENTS = new WeakMap<TelemetryCollector, GenAiInstruments>();

/** The collector's GenAI instruments, created on first use with the advised buckets. */
export function genAiInstruments(collector: TelemetryCollector): GenAiInstruments {
  let instruments = INSTRUMENTS.get(collector);
  if (instruments !== undefined) return instruments;
  const mode = genAiSemconvMode();
  const meter = collector.meter;
  instruments = {
    mode,
    providerKey: mode === "latest_experimental" ? "gen_ai.provider.name" : "gen_ai.system",
    duration: meter.createHistogram(GEN_AI_METRIC_NAMES.operationDuration, {
      unit: "s",
      description: "GenAI operation duration.",
      advice: { explicitBucketBoundaries: [...GEN_AI_DURATION_BOUNDS_SECONDS] },
    }),
    tokenUsage: meter.createHistogram(GEN_AI_METRIC_NAMES.tokenUsage, {
      unit: "{token}",
      description: "Measures number of input and output tokens used.",
      advice: { explicitBucketBoundaries: [...GEN_AI_TOKEN_BOUNDS] },
    }),
    timeToFirstChunk:
      mode === "latest_experimental"
        ? meter.createHistogram(GEN_AI_METRIC_NAMES.timeToFirstChunk, {
            unit: "s",
            description: "Time to receive the first chunk of a streamed response.",
            advice: { explicitBucketBoundaries: [...GEN_AI_FIRST_CHUNK_BOUNDS_SECONDS] },
          })
        : undefined,
  };
  INSTRUMENTS.set(collector, instruments);
  return instruments;
}
