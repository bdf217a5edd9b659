/**
 * What an AI response or stream chunk tells about its usage, read from the plain objects that
 * OpenAI-compatible and Anthropic-compatible APIs return (no SDK needed). Never any content.
 */
export interface AiUsage {
  /** Input (prompt) tokens, cached ones included, as billed. */
  readonly inputTokens?: number;
  /** Output (completion) tokens. */
  readonly outputTokens?: number;
  /** Model that answered (`gen_ai.response.model`). */
  readonly responseModel?: string;
  /** Why generation stopped (`gen_ai.response.finish_reasons`): `stop`, `length`, `end_turn`, `refusal`, ... */
  readonly finishReasons?: readonly string[];
  /** The model declined to answer (OpenAI `message.refusal`, `content_filter`; Anthropic `stop_reason: "refusal"`). */
  readonly refusal?: boolean;
}

type Loose = Record<string, unknown>;

/**
 * Reads token usage, model, finish reasons and refusal from one response object or stream chunk:
 *
 * - OpenAI Chat Completions: `usage.prompt_tokens` / `usage.completion_tokens` (the last stream
 *   chunk carries `usage` when `stream_options.include_usage` is set), `choices[].finish_reason`,
 *   `choices[].message.refusal`.
 * - OpenAI Responses: `usage.input_tokens` / `usage.output_tokens`; stream event `response.completed`.
 * - Anthropic Messages: `usage.input_tokens` + `cache_creation_input_tokens` + `cache_read_input_tokens`,
 *   `usage.output_tokens`, `stop_reason`; stream events `message_start` (input) and
 *   `message_delta` (cumulative output).
 *
 * Fields that are absent stay undefined; anything that is not an object gives `{}`.
 */
export function readAiUsage(value: unknown): AiUsage {
  if (!isObject(value)) return {};
  // Stream events that wrap the message: read the inner object, plus the event's own usage.
  if (value.type === "message_start" && isObject(value.message)) return readAiUsage(value.message);
  if (value.type === "response.completed" && isObject(value.response)) return readAiUsage(value.response);

  let inputTokens: number | undefined;
  let outputTokens: number | undefined;
  const usage = value.usage;
  if (isObject(usage)) {
    const prompt = count(usage.prompt_tokens);
    const input = count(usage.input_tokens);
    const cacheCreation = count(usage.cache_creation_input_tokens);
    const cacheRead = count(usage.cache_read_input_tokens);
    if (prompt !== undefined) inputTokens = prompt;
    else if (input !== undefined || cacheCreation !== undefined || cacheRead !== undefined) {
      // Anthropic reports cached input apart; billed input is the sum (OpenAI already includes it).
      inputTokens = (input ?? 0) + (cacheCreation ?? 0) + (cacheRead ?? 0);
    }
    outputTokens = count(usage.completion_tokens) ?? count(usage.output_tokens);
  }

  const finishReasons: string[] = [];
  let refusal = false;
  if (Array.isArray(value.choices)) {
    for (const choice of value.choices) {
      if (!isObject(choice)) continue;
      if (typeof choice.finish_reason === "string") finishReasons.push(choice.finish_reason);
      if (choice.finish_reason === "content_filter") refusal = true;
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
    if (value.incomplete_details.reason === "content_filter") refusal = true;
  }

  return {
    ...(inputTokens !== undefined ? { inputTokens } : {}),
    ...(outputTokens !== undefined ? { outputTokens } : {}),
    ...(typeof value.model === "string" ? { responseModel: value.model } : {}),
    ...(finishReasons.length > 0 ? { finishReasons } : {}),
    ...(refusal ? { refusal } : {}),
  };
}

/**
 * Usage over a whole stream. Providers report it cumulatively (Anthropic's `message_delta`
 * repeats the running output total; OpenAI sends one final `usage`), so the last value seen
 * for each field is kept, never a sum.
 */
export class StreamUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  responseModel: string | undefined;
  readonly finishReasons: string[] = [];
  refusal = false;

  /** Folds one chunk in. */
  add(chunk: unknown): void {
    const usage = readAiUsage(chunk);
    if (usage.inputTokens !== undefined) this.inputTokens = usage.inputTokens;
    if (usage.outputTokens !== undefined) this.outputTokens = usage.outputTokens;
    if (usage.responseModel !== undefined) this.responseModel = usage.responseModel;
    if (usage.finishReasons !== undefined) this.finishReasons.push(...usage.finishReasons);
    if (usage.refusal) this.refusal = true;
  }
}

function isObject(value: unknown): value is Loose {
  return typeof value === "object" && value !== null;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
