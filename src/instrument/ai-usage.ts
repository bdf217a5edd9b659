/**
 * What an AI response or stream chunk tells about its usage, read from the plain objects that
 * OpenAI-compatible and Anthropic-compatible APIs return (no SDK needed). Never any content.
 */
export interface AiUsage {
  /** Input (prompt) tokens, cached ones included, as billed. */
  readonly inputTokens?: number;
  /** The part of `inputTokens` read from the provider's prompt cache. */
  readonly cachedInputTokens?: number;
  /** Output (completion) tokens. */
  readonly outputTokens?: number;
  /** Model that answered (`gen_ai.response.model`). */
  readonly responseModel?: string;
  /** Why generation stopped (`gen_ai.response.finish_reasons`): `stop`, `length`, `end_turn`, `refusal`, ... */
  readonly finishReasons?: readonly string[];
  /**
   * The model declined to answer: OpenAI `message.refusal` or `finish_reason: "content_filter"`,
   * a Responses `refusal` content part, Anthropic `stop_reason: "refusal"`.
   */
  readonly refusal?: boolean;
}

type Loose = Record<string, unknown>;

/**
 * Reads token usage, model, finish reasons and refusal from one response object or stream chunk:
 *
 * - OpenAI Chat Completions: `usage.prompt_tokens` (cached included; `prompt_tokens_details.cached_tokens`)
 *   / `usage.completion_tokens` (the last stream chunk carries `usage` when
 *   `stream_options.include_usage` is set), `choices[].finish_reason`, `choices[].message.refusal`.
 * - OpenAI Responses: `usage.input_tokens` (`input_tokens_details.cached_tokens`) /
 *   `usage.output_tokens`, `output[].content[].type === "refusal"`; stream events
 *   `response.completed` / `response.incomplete` / `response.failed` and `response.refusal.delta`.
 * - OpenAI Embeddings: `usage.prompt_tokens`.
 * - Anthropic Messages: `usage.input_tokens` + `cache_creation_input_tokens` + `cache_read_input_tokens`
 *   (the reads are the cached part), `usage.output_tokens`, `stop_reason`; stream events
 *   `message_start` (input) and `message_delta` (cumulative output).
 *
 * Fields that are absent stay undefined; anything that is not an object gives `{}`. Never throws
 * for plain data (getters that throw do; callers guard).
 */
export function readAiUsage(value: unknown): AiUsage {
  if (!isObject(value)) return {};
  const type = value.type;
  // Stream events that wrap the message: read the inner object, plus the event's own usage.
  if (type === "message_start" && isObject(value.message)) return readAiUsage(value.message);
  if (
    (type === "response.completed" || type === "response.incomplete" || type === "response.failed") &&
    isObject(value.response)
  )
    return readAiUsage(value.response);
  if (type === "response.refusal.delta" || type === "response.refusal.done") return { refusal: true };

  let inputTokens: number | undefined;
  let cachedInputTokens: number | undefined;
  let outputTokens: number | undefined;
  const usage = value.usage;
  if (isObject(usage)) {
    const prompt = count(usage.prompt_tokens);
    const input = count(usage.input_tokens);
    const cacheCreation = count(usage.cache_creation_input_tokens);
    const cacheRead = count(usage.cache_read_input_tokens);
    if (prompt !== undefined) {
      inputTokens = prompt;
      cachedInputTokens = detailCount(usage.prompt_tokens_details);
    } else if (cacheCreation !== undefined || cacheRead !== undefined) {
      // Anthropic reports cached input apart; billed input is the sum (OpenAI already includes it).
      inputTokens = (input ?? 0) + (cacheCreation ?? 0) + (cacheRead ?? 0);
      cachedInputTokens = cacheRead;
    } else if (input !== undefined) {
      inputTokens = input;
      cachedInputTokens = detailCount(usage.input_tokens_details);
    }
    outputTokens = count(usage.completion_tokens) ?? count(usage.output_tokens);
  }

  const finishReasons: string[] = [];
  let refusal = false;
  const choices = value.choices;
  if (Array.isArray(choices)) {
    for (const choice of choices) {
      if (!isObject(choice)) continue;
      const reason = choice.finish_reason;
      if (typeof reason === "string") {
        finishReasons.push(reason);
        if (reason === "content_filter") refusal = true;
      }
      // Only whether a refusal exists is read, never its text.
      const message = isObject(choice.message)
        ? choice.message
        : isObject(choice.delta)
          ? choice.delta
          : undefined;
      if (message !== undefined && typeof message.refusal === "string" && message.refusal.length > 0)
        refusal = true;
    }
  }
  const output = value.output;
  if (Array.isArray(output)) {
    for (const item of output) {
      if (!isObject(item) || !Array.isArray(item.content)) continue;
      for (const part of item.content) if (isObject(part) && part.type === "refusal") refusal = true;
    }
  }
  const stopReason =
    typeof value.stop_reason === "string"
      ? value.stop_reason
      : isObject(value.delta) && typeof value.delta.stop_reason === "string"
        ? value.delta.stop_reason
        : undefined;
  if (stopReason !== undefined) {
    finishReasons.push(stopReason);
    if (stopReason === "refusal") refusal = true;
  }
  if (value.status === "incomplete" && isObject(value.incomplete_details)) {
    const reason = value.incomplete_details.reason;
    if (typeof reason === "string") finishReasons.push(reason);
    if (reason === "content_filter") refusal = true;
  }

  const result: {
    -readonly [K in keyof AiUsage]: AiUsage[K];
  } = {};
  if (inputTokens !== undefined) result.inputTokens = inputTokens;
  if (cachedInputTokens !== undefined) result.cachedInputTokens = cachedInputTokens;
  if (outputTokens !== undefined) result.outputTokens = outputTokens;
  if (typeof value.model === "string") result.responseModel = value.model;
  if (finishReasons.length > 0) result.finishReasons = finishReasons;
  if (refusal) result.refusal = true;
  return result;
}

/**
 * Whether a stream event carries the first output token: text (or a refusal's text), or the start
 * or arguments of a tool call. Role-only chunks, `message_start`, `response.created`, pings and
 * usage-only chunks do not: time to first token is timed to the first event for which this is true.
 */
export function isFirstTokenEvent(chunk: unknown): boolean {
  if (!isObject(chunk)) return false;
  const type = chunk.type;
  if (typeof type === "string") {
    switch (type) {
      // Anthropic Messages.
      case "content_block_delta": {
        const delta = chunk.delta;
        if (!isObject(delta)) return false;
        if (delta.type === "text_delta") return typeof delta.text === "string" && delta.text.length > 0;
        return delta.type === "input_json_delta";
      }
      case "content_block_start":
        return isObject(chunk.content_block) && chunk.content_block.type === "tool_use";
      // OpenAI Responses.
      case "response.output_text.delta":
      case "response.refusal.delta":
        return typeof chunk.delta === "string" && chunk.delta.length > 0;
      case "response.function_call_arguments.delta":
        return true;
      case "response.output_item.added":
        return isObject(chunk.item) && chunk.item.type === "function_call";
      default:
        return false;
    }
  }
  // OpenAI Chat Completions chunks (no `type`).
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) {
    if (!isObject(choice) || !isObject(choice.delta)) continue;
    const delta = choice.delta;
    if (typeof delta.content === "string" && delta.content.length > 0) return true;
    if (typeof delta.refusal === "string" && delta.refusal.length > 0) return true;
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) return true;
  }
  return false;
}

/**
 * Usage over a whole stream. Providers report it cumulatively (Anthropic's `message_delta`
 * repeats the running output total; OpenAI sends one final `usage`), so the last value seen
 * for each field is kept, never a sum.
 */
export class StreamUsage {
  inputTokens: number | undefined;
  cachedInputTokens: number | undefined;
  outputTokens: number | undefined;
  responseModel: string | undefined;
  readonly finishReasons: string[] = [];
  refusal = false;

  /** Folds one chunk in. */
  add(chunk: unknown): void {
    this.addUsage(readAiUsage(chunk));
  }

  /** Folds one chunk's already-read usage in. */
  addUsage(usage: AiUsage): void {
    if (usage.inputTokens !== undefined) this.inputTokens = usage.inputTokens;
    if (usage.cachedInputTokens !== undefined) this.cachedInputTokens = usage.cachedInputTokens;
    if (usage.outputTokens !== undefined) this.outputTokens = usage.outputTokens;
    if (usage.responseModel !== undefined) this.responseModel = usage.responseModel;
    if (usage.finishReasons !== undefined) this.finishReasons.push(...usage.finishReasons);
    if (usage.refusal) this.refusal = true;
  }

  /** The stream's usage as one {@link AiUsage}. */
  summary(): AiUsage {
    const result: { -readonly [K in keyof AiUsage]: AiUsage[K] } = {
      finishReasons: this.finishReasons,
    };
    if (this.inputTokens !== undefined) result.inputTokens = this.inputTokens;
    if (this.cachedInputTokens !== undefined) result.cachedInputTokens = this.cachedInputTokens;
    if (this.outputTokens !== undefined) result.outputTokens = this.outputTokens;
    if (this.responseModel !== undefined) result.responseModel = this.responseModel;
    if (this.refusal) result.refusal = true;
    return result;
  }
}

function isObject(value: unknown): value is Loose {
  return typeof value === "object" && value !== null;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function detailCount(details: unknown): number | undefined {
  return isObject(details) ? count(details.cached_tokens) : undefined;
}
