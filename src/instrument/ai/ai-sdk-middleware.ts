import type { Recorder } from "../../recording/recorder.js";
import type { AiUsage } from "../ai-usage.js";
import { readAiUsage } from "../ai-usage.js";
import { genAiMetrics } from "../gen-ai-metrics.js";
import { aiErrorType } from "./ai-error-type.js";
import { SdkCall } from "./sdk-call.js";

/** Options of {@link aiSdkMiddleware}. */
export interface AiSdkMiddlewareOptions {
  /** Operation name of every call. @default `"chat <model id>"` */
  readonly operation?: string;
  /** Who talks to whom. @default "ai_human" */
  readonly kind?: "ai_ai" | "ai_human";
  /** Every request must be answered: a refusal (`content-filter`, a refusal part) is also an `unjustified_refusal`. @default false */
  readonly mustAnswer?: boolean;
  /** Classifier of refusals the middleware cannot see, called with the generate result or the stream's usage summary. */
  readonly isUnjustifiedRefusal?: (response: unknown) => boolean;
  /** Checks each generate result: false (or a throw) makes it an `invalid_response`. */
  readonly validate?: (response: unknown) => boolean;
}

/** The part of the AI SDK's `LanguageModelV3` the middleware reads. */
interface ModelLike {
  readonly provider?: unknown;
  readonly modelId?: unknown;
}

/** The part of `LanguageModelV3CallOptions` the middleware reads (the prompt's identity only). */
interface CallOptionsLike {
  readonly prompt?: unknown;
}

/**
 * A `LanguageModelMiddleware` (specification v3, AI SDK 6) as `wrapLanguageModel` takes it. The
 * AI SDK's types are not imported (it is not a dependency); the shape is structurally the same.
 */
export interface AiSdkMiddleware {
  readonly specificationVersion: "v3";
  // biome-ignore lint/suspicious/noExplicitAny: the AI SDK's generate result, passed through untouched.
  wrapGenerate(options: { doGenerate: () => PromiseLike<any>; params: any; model: any }): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: the AI SDK's stream result, passed through with its stream observed.
  wrapStream(options: { doStream: () => PromiseLike<any>; params: any; model: any }): Promise<any>;
}

// The AI SDK retries a failed attempt after `retry-after-ms` / `retry-after` (under 60 s) or an
// exponential backoff of 2 s, 4 s, 8 s... (ai 6, `retryWithExponentialBackoffRespectingRetryHeaders`).
// A failed attempt it may retry is held this long past that delay before it counts as the call's
// failure; a retry of the same call (same prompt object) within it continues the same exchange.
const RETRY_GRACE_MS = 1000;
const INITIAL_BACKOFF_MS = 2000;

interface HeldCall {
  readonly call: SdkCall;
  readonly timer: NodeJS.Timeout;
  readonly attempt: number;
}

/**
 * An AI SDK middleware that records every model call (`generateText`, `streamText`,
 * `generateObject`, ... through `wrapLanguageModel`) as one AI exchange: tokens from the usage the
 * AI SDK reports (input with cache reads, output; plain and streamed), the response model,
 * refusals (`finishReason` `content-filter`, refusal parts of the raw body), time to the first
 * text or tool-call delta, the error type of failures (`APICallError.statusCode`, `RetryError`),
 * and attempts: the AI SDK retries by calling the model again, and a retry of the same call is
 * counted as an attempt of the same exchange, not as another request.
 *
 * @example
 * const model = wrapLanguageModel({ model: openai("gpt-4o-mini"), middleware: aiSdkMiddleware(collector) });
 */
export function aiSdkMiddleware(collector: Recorder, options: AiSdkMiddlewareOptions = {}): AiSdkMiddleware {
  const metrics = genAiMetrics(collector);
  const held = new WeakMap<object, HeldCall>();

  const begin = (
    params: CallOptionsLike,
    model: ModelLike,
  ): { call: SdkCall | undefined; attempt: number } => {
    let key: unknown;
    try {
      key = params?.prompt;
    } catch {
      key = undefined;
    }
    if (typeof key === "object" && key !== null) {
      const retried = held.get(key);
      if (retried !== undefined) {
        held.delete(key);
        clearTimeout(retried.timer);
        retried.call.attempt(undefined);
        return { call: retried.call, attempt: retried.attempt + 1 };
      }
    }
    let providerId: unknown;
    let modelId: unknown;
    try {
      providerId = model?.provider;
      modelId = model?.modelId;
    } catch {
      // An unreadable model: recorded without its names.
    }
    const provider = typeof providerId === "string" ? (providerId.split(".")[0] ?? providerId) : "unknown";
    const modelName = metrics?.name(modelId);
    const call = SdkCall.start(collector, {
      operation:
        typeof options.operation === "string"
          ? options.operation
          : modelName === undefined
            ? "chat"
            : `chat ${modelName}`,
      kind: options.kind === "ai_ai" ? "ai_ai" : "ai_human",
      provider,
      genAiOperation: "chat",
      model: modelId,
      mustAnswer: options.mustAnswer === true,
      isUnjustifiedRefusal:
        typeof options.isUnjustifiedRefusal === "function" ? options.isUnjustifiedRefusal : undefined,
      validate: typeof options.validate === "function" ? options.validate : undefined,
    });
    call?.attempt(undefined);
    return { call, attempt: 1 };
  };

  /** A failed attempt: held when the AI SDK may retry it, else the exchange's end. */
  const failed = (call: SdkCall, params: CallOptionsLike, attempt: number, error: unknown): void => {
    const failedAtMs = performance.now();
    let key: unknown;
    try {
      key = params?.prompt;
    } catch {
      key = undefined;
    }
    const delay = retryDelayMs(error, attempt);
    if (delay === undefined || typeof key !== "object" || key === null) {
      call.end(error, "request");
      return;
    }
    const prompt = key;
    const timer = setTimeout(() => {
      if (held.get(prompt)?.call === call) held.delete(prompt);
      call.end(error, "request", failedAtMs);
    }, delay + RETRY_GRACE_MS);
    timer.unref();
    held.set(prompt, { call, timer, attempt });
  };

  return {
    specificationVersion: "v3",
    async wrapGenerate({ doGenerate, params, model }) {
      const { call, attempt } = begin(params, model);
      if (call === undefined) return doGenerate();
      let result: unknown;
      try {
        result = await call.run(doGenerate);
      } catch (error) {
        failed(call, params, attempt, error);
        throw error;
      }
      readGenerateResult(call, result);
      call.end();
      return result;
    },
    async wrapStream({ doStream, params, model }) {
      const { call, attempt } = begin(params, model);
      if (call === undefined) return doStream();
      let result: { stream?: unknown } & Record<string, unknown>;
      try {
        result = await call.run(doStream);
      } catch (error) {
        failed(call, params, attempt, error);
        throw error;
      }
      try {
        if (result?.stream instanceof ReadableStream)
          return { ...result, stream: observePartStream(call, result.stream) };
      } catch {
        // An unreadable result: passed on as it is.
      }
      call.end();
      return result;
    },
  };
}

/** Delay before the AI SDK's next attempt after `error`, or undefined when it will not retry. */
function retryDelayMs(error: unknown, attempt: number): number | undefined {
  try {
    const candidate = error as { isRetryable?: unknown; responseHeaders?: Record<string, string> };
    if (candidate?.isRetryable !== true) return undefined;
    const headers = candidate.responseHeaders;
    const ms = Number(headers?.["retry-after-ms"]);
    if (Number.isFinite(ms) && ms >= 0 && ms < 60_000) return ms;
    const seconds = Number(headers?.["retry-after"]);
    if (Number.isFinite(seconds) && seconds >= 0 && seconds < 60) return seconds * 1000;
    return INITIAL_BACKOFF_MS * 2 ** (attempt - 1);
  } catch {
    return undefined;
  }
}

/** Usage as the AI SDK reports it: v3 `{ inputTokens: { total, cacheRead }, outputTokens: { total } }`, or v2 numbers. */
export function readAiSdkUsage(usage: unknown): AiUsage {
  if (typeof usage !== "object" || usage === null) return {};
  const { inputTokens, outputTokens, cachedInputTokens } = usage as Record<string, unknown>;
  const result: { -readonly [K in keyof AiUsage]: AiUsage[K] } = {};
  if (typeof inputTokens === "number") {
    result.inputTokens = inputTokens;
    if (typeof cachedInputTokens === "number") result.cachedInputTokens = cachedInputTokens;
  } else if (typeof inputTokens === "object" && inputTokens !== null) {
    const { total, cacheRead } = inputTokens as Record<string, unknown>;
    if (typeof total === "number") result.inputTokens = total;
    if (typeof cacheRead === "number") result.cachedInputTokens = cacheRead;
  }
  if (typeof outputTokens === "number") result.outputTokens = outputTokens;
  else if (typeof outputTokens === "object" && outputTokens !== null) {
    const { total } = outputTokens as Record<string, unknown>;
    if (typeof total === "number") result.outputTokens = total;
  }
  return result;
}

/** The AI SDK's finish reason (v3 `{ unified, raw }`, v2 a string): its provider name, and whether it is a content filter. */
function finishReasonOf(reason: unknown): { readonly name: string | undefined; readonly filtered: boolean } {
  if (typeof reason === "string") return { name: reason, filtered: reason === "content-filter" };
  if (typeof reason === "object" && reason !== null) {
    const { unified, raw } = reason as Record<string, unknown>;
    const name = typeof raw === "string" ? raw : typeof unified === "string" ? unified : undefined;
    return { name, filtered: unified === "content-filter" };
  }
  return { name: undefined, filtered: false };
}

function readGenerateResult(call: SdkCall, result: unknown): void {
  try {
    const exchange = call.exchange;
    if (exchange.isFinished || typeof result !== "object" || result === null || !exchange.claim(result))
      return;
    const { usage, finishReason, response } = result as Record<string, unknown>;
    const reason = finishReasonOf(finishReason);
    const body =
      typeof response === "object" && response !== null ? (response as Record<string, unknown>) : {};
    // The raw provider body (`response.body`) shows refusals the unified result does not (chat `message.refusal`, Responses refusal parts).
    const raw = readAiUsage(body.body);
    const modelId = typeof body.modelId === "string" ? body.modelId : raw.responseModel;
    exchange.absorbUsage({
      ...readAiSdkUsage(usage),
      ...(modelId !== undefined ? { responseModel: modelId } : {}),
      ...(reason.name !== undefined ? { finishReasons: [reason.name] } : {}),
    });
    const headers = body.headers as Record<string, unknown> | undefined;
    const length = Number(headers?.["content-length"]);
    if (Number.isSafeInteger(length) && length >= 0) exchange.addObservedBytes(undefined, length);
    if (!exchange.applyRefusalPolicy(result, reason.filtered || raw.refusal === true))
      exchange.validate(result);
  } catch {
    // An unreadable result: what could be read is kept.
  }
}

/** The stream of `LanguageModelV3StreamPart`s, read part by part as the caller pulls it; cancelling it ends the exchange. */
function observePartStream(call: SdkCall, stream: ReadableStream<unknown>): ReadableStream<unknown> {
  const reader = stream.getReader();
  const exchange = call.exchange;
  let sawUsage = false;
  let refusal = false;
  const observe = (part: unknown): void => {
    if (exchange.isFinished || typeof part !== "object" || part === null) return;
    const { type } = part as { type?: unknown };
    if (type === "stream-start") return;
    exchange.markFirstChunk();
    switch (type) {
      case "text-delta": {
        const delta = (part as { delta?: unknown }).delta;
        if (typeof delta === "string" && delta.length > 0) exchange.markFirstToken();
        return;
      }
      case "tool-input-start":
      case "tool-input-delta":
      case "tool-call":
        exchange.markFirstToken();
        return;
      case "response-metadata": {
        const modelId = (part as { modelId?: unknown }).modelId;
        if (typeof modelId === "string") exchange.absorbUsage({ responseModel: modelId });
        return;
      }
      case "raw":
        if (readAiUsage((part as { rawValue?: unknown }).rawValue).refusal) refusal = true;
        return;
      case "error":
        exchange.failIfOk(aiErrorType((part as { error?: unknown }).error) ?? "provider_error");
        return;
      case "finish": {
        const { usage, finishReason } = part as { usage?: unknown; finishReason?: unknown };
        const reason = finishReasonOf(finishReason);
        const read = readAiSdkUsage(usage);
        sawUsage = read.inputTokens !== undefined || read.outputTokens !== undefined;
        exchange.absorbUsage({
          ...read,
          ...(reason.name !== undefined ? { finishReasons: [reason.name] } : {}),
        });
        if (reason.filtered) refusal = true;
        return;
      }
      default:
        return;
    }
  };
  const finish = (): void => {
    if (!exchange.isFinished) exchange.applyRefusalPolicy({ refusal, usage: sawUsage }, refusal);
    call.end();
  };
  return new ReadableStream<unknown>({
    async pull(controller) {
      let result: { done: boolean; value?: unknown };
      try {
        result = await reader.read();
      } catch (error) {
        call.end(error, "stream");
        throw error;
      }
      if (result.done) {
        finish();
        controller.close();
        return;
      }
      try {
        observe(result.value);
      } catch {
        // A part whose getters throw is passed on unread.
      }
      controller.enqueue(result.value);
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
}
