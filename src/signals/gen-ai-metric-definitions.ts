import type { MetricDefinition } from "./metric-definitions.js";

/**
 * The OpenTelemetry GenAI semantic-convention client metrics that `exchange()` emits beside the
 * golden signals. Names are the semantic conventions', kept here beside
 * the frozen zoran names so that every metric name lives under `signals/`.
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

/**
 * Provider attempts of AI exchanges: 1 per exchange without retries, one more per retry the
 * instrumentation saw (SDK retries of `collector.instrument()` clients, AI SDK retries). An
 * exchange is one request in `zoran_requests_total` however many attempts it took, so
 * `zoran_attempts_total - zoran_requests_total` is the retries.
 */
export const ATTEMPTS_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.attempts",
  promName: "zoran_attempts_total",
  kind: "counter",
  unit: "",
  description: "Provider attempts of AI exchanges, retries included.",
  labels: Object.freeze(["operation", "exchange"]),
});

/** Input tokens read from the provider's prompt cache: a part of `zoran_tokens_total{direction="input"}`. */
export const CACHED_TOKENS_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.cached_tokens",
  promName: "zoran_cached_tokens_total",
  kind: "counter",
  unit: "{token}",
  description: "Input tokens of AI exchanges read from the provider's prompt cache.",
  labels: Object.freeze(["operation", "exchange"]),
});
