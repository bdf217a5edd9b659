import type { Attributes, Histogram } from "@opentelemetry/api";
import type { Recorder } from "../recording/recorder.js";
import {
  GEN_AI_DURATION_BOUNDS_SECONDS,
  GEN_AI_FIRST_CHUNK_BOUNDS_SECONDS,
  GEN_AI_METRIC_NAMES,
  GEN_AI_TOKEN_BOUNDS,
} from "../signals/gen-ai-metric-definitions.js";

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

const INSTRUMENTS = new WeakMap<Recorder, GenAiInstruments>();

/** The collector's GenAI instruments, created on first use with the advised buckets. */
export function genAiInstruments(collector: Recorder): GenAiInstruments {
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
