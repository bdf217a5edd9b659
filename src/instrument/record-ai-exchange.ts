import type { Attributes, Span } from "@opentelemetry/api";
import { OperationScope } from "../recording/operation-scope.js";
import type { Recorder } from "../recording/recorder.js";
import { GoldenSignals } from "../signals/golden-signals.js";
import type { ErrorType } from "../signals/label-values.js";
import type { AiExchange } from "./ai-exchange.js";
import type { ResolvedExchangeOptions } from "./ai-exchange-options.js";
import { genAiMetrics } from "./gen-ai-metrics.js";

// The attributes of the exchange's TRAFFIC values, made once (nothing allocated per exchange for them).
const INPUT_TOKENS = Object.freeze({ kind: "tokens", direction: "input" });
const OUTPUT_TOKENS = Object.freeze({ kind: "tokens", direction: "output" });
const INPUT_BYTES = Object.freeze({ kind: "bytes", direction: "input" });
const OUTPUT_BYTES = Object.freeze({ kind: "bytes", direction: "output" });

/**
 * @internal Records an ended {@link AiExchange}'s readings: the golden signals (inside the
 * exchange's `trace()`), the refusals, the time to first token, the GenAI metrics and the span
 * attributes. Called once, by `AiExchange.finish()`, which catches what it throws.
 */
export function recordAiExchange(
  ex: AiExchange,
  options: ResolvedExchangeOptions,
  recorder: Recorder,
  span: Span,
  thrownType: ErrorType | undefined,
  crashed: boolean,
): void {
  if (thrownType !== undefined) ex.errorType = thrownType;
  const seconds = ex.elapsedSeconds();
  // Inside the exchange's `trace()`, an explicit latency replaces the measured one.
  if (ex.endMs !== undefined) recorder.recordSignal(GoldenSignals.LATENCY, seconds);
  if (ex.inputTokens !== undefined)
    recorder.recordSignal(GoldenSignals.TRAFFIC, ex.inputTokens, INPUT_TOKENS);
  if (ex.outputTokens !== undefined)
    recorder.recordSignal(GoldenSignals.TRAFFIC, ex.outputTokens, OUTPUT_TOKENS);
  const requestBytes = ex.requestByteCount ?? ex.observedRequestBytes;
  if (requestBytes !== undefined) recorder.recordSignal(GoldenSignals.TRAFFIC, requestBytes, INPUT_BYTES);
  const responseBytes = ex.responseByteCount ?? ex.observedResponseBytes;
  if (responseBytes !== undefined) recorder.recordSignal(GoldenSignals.TRAFFIC, responseBytes, OUTPUT_BYTES);
  // A crash is recorded by `trace()` itself when the error is rethrown.
  if (ex.errorType !== undefined && !crashed)
    recorder.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: ex.errorType });
  for (let i = 0; i < ex.refusals; i++) recorder.recordRefusal();
  if (ex.firstTokenSeconds !== undefined) recorder.recordTimeToFirstToken(ex.firstTokenSeconds);

  // The GenAI metrics and counters need the operation's scope: none when the collector is
  // disabled (nothing is recorded then).
  const captured = recorder.capture().operation;
  const scope = captured instanceof OperationScope ? captured : undefined;
  const metrics = scope === undefined ? undefined : genAiMetrics(recorder);
  if (scope === undefined || metrics === undefined) return;
  const operationName = metrics.name(options.genAiOperation) ?? "chat";
  const provider = metrics.name(options.provider) ?? "unknown";
  const requestModel = metrics.name(options.model);
  const responseModel = metrics.name(ex.responseModel);
  const errorType = crashed ? "crash" : ex.errorType;
  const handles = metrics.handlesFor(operationName, provider, requestModel, responseModel, errorType);
  handles.duration.record(seconds);
  if (ex.inputTokens !== undefined) handles.inputTokens.record(ex.inputTokens);
  if (ex.outputTokens !== undefined) handles.outputTokens.record(ex.outputTokens);
  if (ex.firstChunkSeconds !== undefined && metrics.mode === "latest_experimental")
    handles.firstChunk.record(ex.firstChunkSeconds);
  metrics.addAttempts(scope.operation, scope.exchangeIndex, Math.max(1, ex.attempts));
  if (ex.cachedInputTokens !== undefined && ex.cachedInputTokens > 0)
    metrics.addCachedTokens(scope.operation, scope.exchangeIndex, ex.cachedInputTokens);

  if (!span.isRecording()) return;
  const attributes: Attributes = {
    "gen_ai.operation.name": operationName,
    [metrics.providerKey]: provider,
  };
  if (requestModel !== undefined) attributes["gen_ai.request.model"] = requestModel;
  if (responseModel !== undefined) attributes["gen_ai.response.model"] = responseModel;
  if (ex.inputTokens !== undefined) attributes["gen_ai.usage.input_tokens"] = ex.inputTokens;
  if (ex.outputTokens !== undefined) attributes["gen_ai.usage.output_tokens"] = ex.outputTokens;
  if (ex.cachedInputTokens !== undefined)
    attributes["gen_ai.usage.cache_read.input_tokens"] = ex.cachedInputTokens;
  if (ex.finishReasons !== undefined)
    // Through the names cache: finish reasons are a small set of identifiers (`stop`, `end_turn`).
    attributes["gen_ai.response.finish_reasons"] = ex.finishReasons.map(
      (reason) => metrics.name(reason) ?? "other",
    );
  if (ex.firstChunkSeconds !== undefined)
    attributes["gen_ai.response.time_to_first_chunk"] = ex.firstChunkSeconds;
  if (ex.firstTokenSeconds !== undefined) attributes["zoran.time_to_first_token"] = ex.firstTokenSeconds;
  // Semantic conventions: `http.request.resend_count` is the number of retries.
  if (ex.attempts > 1) attributes["http.request.resend_count"] = ex.attempts - 1;
  if (ex.refusals > 0) attributes["zoran.refusals"] = ex.refusals;
  span.setAttributes(attributes);
}
