import { type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { scrubValue } from "../../privacy/scrub-value.js";
import type { Recorder } from "../../recording/recorder.js";
import type { AiUsage } from "../ai-usage.js";
import { genAiMetrics } from "../gen-ai-metrics.js";
import { instrumentationTracer } from "../instrumentation-tracer.js";
import { aiErrorType } from "./ai-error-type.js";
import { SdkCall } from "./sdk-call.js";

/** Options of {@link langChainHandler}. */
export interface LangChainHandlerOptions {
  /** Operation name of every model run. @default `"chat <model>"` (or `text_completion <model>` for LLMs) */
  readonly operation?: string;
  /** Who talks to whom. @default "ai_human" */
  readonly kind?: "ai_ai" | "ai_human";
  /** Every request must be answered: a refusal is also an `unjustified_refusal`. @default false */
  readonly mustAnswer?: boolean;
  /** Classifier of refusals the handler cannot see, called with LangChain's `LLMResult`. */
  readonly isUnjustifiedRefusal?: (response: unknown) => boolean;
  /** Checks each `LLMResult`: false (or a throw) makes it an `invalid_response`. */
  readonly validate?: (response: unknown) => boolean;
}

/**
 * A LangChain callback handler: the methods LangChain calls, as a plain object (LangChain wraps
 * it with `BaseCallbackHandler.fromMethods`, so `@langchain/core` is not imported here).
 */
export interface LangChainCallbackHandler {
  /** Handlers awaited inline: runs start in the caller's context, so spans nest where the call is. */
  readonly awaitHandlers: true;
  handleLLMStart(...args: unknown[]): void;
  handleChatModelStart(...args: unknown[]): void;
  handleLLMNewToken(...args: unknown[]): void;
  handleLLMEnd(...args: unknown[]): void;
  handleLLMError(...args: unknown[]): void;
  handleToolStart(...args: unknown[]): void;
  handleToolEnd(...args: unknown[]): void;
  handleToolError(...args: unknown[]): void;
}

type Loose = Record<string, unknown>;

/**
 * A LangChain callback handler that records every LLM and chat-model run as one AI exchange:
 * tokens from the usage the model reports (`usage_metadata` of the generated message, with cache
 * reads, or `llmOutput.tokenUsage`; never LangChain's own estimates), the model, refusals
 * (`content_filter`, Anthropic `refusal`, Responses refusal parts), time to the first streamed
 * token or tool-call chunk, and the error type of failures. Tool runs become child spans
 * (`execute_tool <name>`, no arguments or results). LangChain retries inside a run (its
 * `AsyncCaller`), so a run is one request; its attempts are not seen (counted as 1).
 *
 * @example
 * const model = new ChatOpenAI({ model: "gpt-4o-mini", callbacks: [langChainHandler(collector)] });
 */
export function langChainHandler(
  collector: Recorder,
  options: LangChainHandlerOptions = {},
): LangChainCallbackHandler {
  const metrics = genAiMetrics(collector);
  const runs = new Map<string, SdkCall>();
  const tools = new Map<string, Span>();

  const start = (
    serialized: unknown,
    runId: unknown,
    extraParams: unknown,
    metadata: unknown,
    chat: boolean,
  ) => {
    try {
      if (typeof runId !== "string" || runs.has(runId)) return;
      const meta = (isObject(metadata) ? metadata : {}) as Loose;
      const invocation =
        isObject(extraParams) && isObject(extraParams.invocation_params) ? extraParams.invocation_params : {};
      const model =
        meta.ls_model_name ?? invocation.model ?? invocation.model_name ?? serializedModel(serialized);
      const provider = typeof meta.ls_provider === "string" ? meta.ls_provider : "unknown";
      const genAiOperation = chat ? "chat" : "text_completion";
      const name = metrics?.name(model);
      const call = SdkCall.start(collector, {
        operation:
          typeof options.operation === "string"
            ? options.operation
            : name === undefined
              ? genAiOperation
              : `${genAiOperation} ${name}`,
        kind: options.kind === "ai_ai" ? "ai_ai" : "ai_human",
        provider,
        genAiOperation,
        model,
        mustAnswer: options.mustAnswer === true,
        isUnjustifiedRefusal:
          typeof options.isUnjustifiedRefusal === "function" ? options.isUnjustifiedRefusal : undefined,
        validate: typeof options.validate === "function" ? options.validate : undefined,
      });
      if (call === undefined) return;
      call.attempt(undefined);
      // Bounded: runs whose end never comes (a crashed process of LangChain's) are forgotten first.
      if (runs.size >= 10_000) {
        const oldest = runs.keys().next().value;
        if (oldest !== undefined) {
          runs.get(oldest)?.end();
          runs.delete(oldest);
        }
      }
      runs.set(runId, call);
    } catch (error) {
      collector.diag.debug(`zoran-telemetrie: a LangChain run is not observed: ${String(error)}`);
    }
  };

  return {
    awaitHandlers: true,
    handleLLMStart(serialized, _prompts, runId, _parentRunId, extraParams, _tags, metadata) {
      start(serialized, runId, extraParams, metadata, false);
    },
    handleChatModelStart(serialized, _messages, runId, _parentRunId, extraParams, _tags, metadata) {
      start(serialized, runId, extraParams, metadata, true);
    },
    handleLLMNewToken(token, _idx, runId, _parentRunId, _tags, fields) {
      const call = typeof runId === "string" ? runs.get(runId) : undefined;
      if (call === undefined) return;
      try {
        call.exchange.markFirstChunk();
        const chunk = isObject(fields) && isObject(fields.chunk) ? fields.chunk : undefined;
        const message = chunk !== undefined && isObject(chunk.message) ? chunk.message : undefined;
        const toolChunks = message?.tool_call_chunks;
        if (
          (typeof token === "string" && token.length > 0) ||
          (Array.isArray(toolChunks) && toolChunks.length > 0)
        )
          call.exchange.markFirstToken();
      } catch {
        // An unreadable chunk: not a first token.
      }
    },
    handleLLMEnd(output, runId) {
      const call = typeof runId === "string" ? runs.get(runId) : undefined;
      if (call === undefined) return;
      runs.delete(runId as string);
      try {
        const exchange = call.exchange;
        if (!exchange.isFinished && exchange.claim(output)) {
          const read = readLangChainResult(output);
          exchange.absorbUsage(read);
          if (!exchange.applyRefusalPolicy(output, read.refusal === true)) exchange.validate(output);
        }
      } catch {
        // An unreadable result: what could be read is kept.
      }
      call.end();
    },
    handleLLMError(error, runId) {
      const call = typeof runId === "string" ? runs.get(runId) : undefined;
      if (call === undefined) return;
      runs.delete(runId as string);
      call.end(error ?? new Error("LangChain run failed"), "request");
    },
    handleToolStart(tool, _input, runId, parentRunId, _tags, _metadata, runName) {
      try {
        if (typeof runId !== "string") return;
        const name = typeof runName === "string" ? runName : serializedName(tool);
        const parent = typeof parentRunId === "string" ? runs.get(parentRunId) : undefined;
        const context = parent?.context ?? collector.contextManager.active();
        const toolName = scrubValue(name ?? "tool", 64) || "tool";
        const span = instrumentationTracer(collector).startSpan(
          `execute_tool ${toolName}`,
          {
            kind: SpanKind.INTERNAL,
            attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": toolName },
          },
          context,
        );
        if (tools.size >= 10_000) {
          const oldest = tools.keys().next().value;
          if (oldest !== undefined) {
            tools.get(oldest)?.end();
            tools.delete(oldest);
          }
        }
        tools.set(runId, span);
      } catch (error) {
        collector.diag.debug(`zoran-telemetrie: a LangChain tool run is not traced: ${String(error)}`);
      }
    },
    handleToolEnd(_output, runId) {
      const span = typeof runId === "string" ? tools.get(runId) : undefined;
      if (span === undefined) return;
      tools.delete(runId as string);
      span.end();
    },
    handleToolError(error, runId) {
      const span = typeof runId === "string" ? tools.get(runId) : undefined;
      if (span === undefined) return;
      tools.delete(runId as string);
      span.setAttribute("error.type", aiErrorType(error) ?? errorClass(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/**
 * Usage, model, finish reasons and refusal of a LangChain `LLMResult`: the first generation's
 * message `usage_metadata` (what the provider reported; LangChain copies it to each
 * generation), else `llmOutput.tokenUsage`; never `estimatedTokenUsage` (a tokenizer's guess).
 */
export function readLangChainResult(output: unknown): AiUsage {
  if (!isObject(output)) return {};
  const result: { -readonly [K in keyof AiUsage]: AiUsage[K] } = {};
  const finishReasons: string[] = [];
  let refusal = false;
  let usageRead = false;
  const generations = Array.isArray(output.generations) ? output.generations : [];
  for (const batch of generations) {
    for (const generation of Array.isArray(batch) ? batch : []) {
      if (!isObject(generation)) continue;
      const message = isObject(generation.message) ? generation.message : undefined;
      const info = isObject(generation.generationInfo) ? generation.generationInfo : {};
      const metadata =
        message !== undefined && isObject(message.response_metadata) ? message.response_metadata : {};
      const kwargs =
        message !== undefined && isObject(message.additional_kwargs) ? message.additional_kwargs : {};
      for (const reason of [info.finish_reason, metadata.finish_reason, metadata.stop_reason]) {
        if (typeof reason !== "string") continue;
        if (!finishReasons.includes(reason)) finishReasons.push(reason);
        if (reason === "content_filter" || reason === "refusal") refusal = true;
      }
      if (typeof kwargs.refusal === "string" && kwargs.refusal.length > 0) refusal = true;
      const model = metadata.model_name ?? metadata.model;
      if (typeof model === "string") result.responseModel = model;
      const usage =
        message !== undefined && isObject(message.usage_metadata) ? message.usage_metadata : undefined;
      if (usage !== undefined && !usageRead) {
        usageRead = true;
        if (isCount(usage.input_tokens)) result.inputTokens = usage.input_tokens;
        if (isCount(usage.output_tokens)) result.outputTokens = usage.output_tokens;
        const details = isObject(usage.input_token_details) ? usage.input_token_details : {};
        if (isCount(details.cache_read)) result.cachedInputTokens = details.cache_read;
      }
    }
  }
  if (!usageRead && isObject(output.llmOutput) && isObject(output.llmOutput.tokenUsage)) {
    const usage = output.llmOutput.tokenUsage;
    if (isCount(usage.promptTokens)) result.inputTokens = usage.promptTokens;
    if (isCount(usage.completionTokens)) result.outputTokens = usage.completionTokens;
  }
  if (finishReasons.length > 0) result.finishReasons = finishReasons;
  if (refusal) result.refusal = true;
  return result;
}

function serializedModel(serialized: unknown): unknown {
  if (!isObject(serialized) || !isObject(serialized.kwargs)) return undefined;
  return serialized.kwargs.model ?? serialized.kwargs.model_name ?? serialized.kwargs.modelName;
}

function serializedName(serialized: unknown): string | undefined {
  if (!isObject(serialized)) return undefined;
  if (typeof serialized.name === "string") return serialized.name;
  const id = serialized.id;
  return Array.isArray(id) && typeof id.at(-1) === "string" ? (id.at(-1) as string) : undefined;
}

function errorClass(error: unknown): string {
  try {
    const name = error instanceof Error ? error.constructor?.name || error.name : typeof error;
    return scrubValue(String(name), 64) || "Error";
  } catch {
    return "Error";
  }
}

function isObject(value: unknown): value is Loose {
  return typeof value === "object" && value !== null;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
