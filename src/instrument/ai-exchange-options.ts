import type { Recorder } from "../recording/recorder.js";

/** Options of one {@link exchange}. */
export interface AiExchangeOptions {
  /** Operation name, the `operation` label and span name (free text, scrubbed), e.g. `summarize_ticket`. */
  readonly operation: string;
  /** Who talks to whom: an AI with another AI (`ai_ai`) or with a person (`ai_human`). */
  readonly kind: "ai_ai" | "ai_human";
  /** The model's provider, e.g. `openai`, `anthropic` (`gen_ai.system` / `gen_ai.provider.name`). */
  readonly provider?: string;
  /** The model asked for (`gen_ai.request.model`). */
  readonly model?: string;
  /** GenAI operation name (`gen_ai.operation.name`): `chat`, `text_completion`, `embeddings`, `invoke_agent`, ... @default "chat" */
  readonly genAiOperation?: string;
  /**
   * Checks a response passed to `ex.response()` or `ex.validate()`: false (or a throw) makes the
   * outcome `invalid_response`.
   */
  readonly validate?: (response: unknown) => boolean;
  /**
   * Policy flag: this request must be answered, so a refusal the adapters detect (OpenAI
   * `message.refusal` or `content_filter`, a Responses refusal part, Anthropic `stop_reason:
   * "refusal"`) is also an `unjustified_refusal` error. Refusals are counted in
   * `zoran_refusals_total` either way. @default false
   */
  readonly mustAnswer?: boolean;
  /**
   * Policy classifier, for refusals the adapters cannot see (e.g. a polite "I can't help"): true
   * counts a refusal and makes the outcome `unjustified_refusal`. Called with the response of
   * `ex.response()`, or with the stream's {@link AiUsage} summary at the end of a stream.
   */
  readonly isUnjustifiedRefusal?: (response: unknown) => boolean;
  /** Deadline in milliseconds: `ex.signal` aborts then, and a failure after it is a `timeout`. */
  readonly timeoutMs?: number;
}

/**
 * {@link AiExchangeOptions} read once into plain values: a getter that throws or a proxy cannot
 * reach the exchange's later steps (issue 15, item 12).
 * @internal
 */
export interface ResolvedExchangeOptions {
  readonly operation: string;
  readonly kind: "ai_ai" | "ai_human" | undefined;
  readonly provider: unknown;
  readonly model: unknown;
  readonly genAiOperation: unknown;
  readonly validate: ((response: unknown) => boolean) | undefined;
  readonly mustAnswer: boolean;
  readonly isUnjustifiedRefusal: ((response: unknown) => boolean) | undefined;
  readonly timeoutMs: number | undefined;
}

/** @internal Reads `options` once, field by field; what cannot be read takes its default. */
export function resolveExchangeOptions(recorder: Recorder, options: unknown): ResolvedExchangeOptions {
  const read = (key: keyof AiExchangeOptions): unknown => {
    try {
      return (options as Record<string, unknown>)[key];
    } catch {
      recorder.diag.warn(`zoran-telemetrie: exchange() option ${key} could not be read; its default is used`);
      return undefined;
    }
  };
  if (typeof options !== "object" || options === null) {
    recorder.diag.warn("zoran-telemetrie: exchange() options must be an object; recorded as operation none");
    options = {};
  }
  const operation = read("operation");
  const kind = read("kind");
  const validate = read("validate");
  const classifier = read("isUnjustifiedRefusal");
  const timeoutMs = read("timeoutMs");
  return {
    operation: typeof operation === "string" ? operation : "none",
    kind: kind === "ai_ai" || kind === "ai_human" ? kind : undefined,
    provider: read("provider"),
    model: read("model"),
    genAiOperation: read("genAiOperation"),
    validate: typeof validate === "function" ? (validate as (response: unknown) => boolean) : undefined,
    mustAnswer: read("mustAnswer") === true,
    isUnjustifiedRefusal:
      typeof classifier === "function" ? (classifier as (response: unknown) => boolean) : undefined,
    timeoutMs: typeof timeoutMs === "number" && timeoutMs > 0 ? timeoutMs : undefined,
  };
}
