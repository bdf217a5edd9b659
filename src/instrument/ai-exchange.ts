import { type Attributes, diag, type Span, SpanKind } from "@opentelemetry/api";
import { scrubValue } from "../privacy/scrub-value.js";
import type { Recorder } from "../recording/recorder.js";
import { GoldenSignals } from "../signals/golden-signals.js";
import type { ErrorType } from "../signals/label-values.js";
import { type AiUsage, readAiUsage, StreamUsage } from "./ai-usage.js";
import { genAiInstruments } from "./gen-ai-metrics.js";
import { thrownErrorType } from "./http-semantics.js";
import { payloadSize } from "./payload-size.js";

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
   * `message.refusal` or `content_filter`, Anthropic `stop_reason: "refusal"`) is an
   * `unjustified_refusal`. @default false
   */
  readonly mustAnswer?: boolean;
  /**
   * Policy classifier, for refusals the adapters cannot see (e.g. a polite "I can't help"): true
   * makes the outcome `unjustified_refusal`. Called with the response of `ex.response()`, or with
   * the stream's {@link AiUsage} summary at the end of `ex.stream()`.
   */
  readonly isUnjustifiedRefusal?: (response: unknown) => boolean;
  /** Deadline in milliseconds: `ex.signal` aborts then, and a failure after it is a `timeout`. */
  readonly timeoutMs?: number;
}

/** How an exchange ended: `ok` or one of the golden-signal error types. */
export type AiExchangeOutcome = "ok" | ErrorType;

/**
 * One AI exchange in progress, handed to the function given to {@link exchange}. It collects
 * token usage, request and response sizes, the time to the first streamed chunk and the outcome,
 * and records them when the exchange ends. It never keeps prompt or completion content: it reads
 * counts, sizes, the model name and finish reasons, nothing else.
 */
export class AiExchange {
  /** Aborts at the `timeoutMs` deadline (pass it to the model client); undefined without a deadline. */
  readonly signal: AbortSignal | undefined;
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  private requestByteCount: number | undefined;
  private responseByteCount: number | undefined;
  private responseModel: string | undefined;
  private readonly finishReasons: string[] = [];
  private errorType: ErrorType | undefined;
  private firstChunkSeconds: number | undefined;
  private readonly startMs = performance.now();

  /** @internal Created by {@link exchange}. */
  constructor(private readonly options: AiExchangeOptions) {
    this.signal =
      typeof options.timeoutMs === "number" && options.timeoutMs > 0
        ? // AbortSignal.timeout() throws a RangeError on fractions and on values past 2^32 - 1 ms.
          AbortSignal.timeout(Math.min(Math.ceil(options.timeoutMs), 0xffff_ffff))
        : undefined;
  }

  /** The outcome so far: `ok` until something failed. */
  get outcome(): AiExchangeOutcome {
    return this.errorType ?? "ok";
  }

  /** Seconds from the start of the exchange to the first chunk of `ex.stream()`, once one arrived. */
  get timeToFirstChunkSeconds(): number | undefined {
    return this.firstChunkSeconds;
  }

  /** Tokens counted so far (undefined until some usage was reported), e.g. to bill or to show. */
  get tokenUsage(): { readonly inputTokens: number | undefined; readonly outputTokens: number | undefined } {
    return { inputTokens: this.inputTokens, outputTokens: this.outputTokens };
  }

  /** Adds token counts (for clients whose usage the adapters cannot read). */
  usage(usage: { readonly inputTokens?: number; readonly outputTokens?: number }): void {
    if (isCount(usage.inputTokens)) this.inputTokens = (this.inputTokens ?? 0) + usage.inputTokens;
    if (isCount(usage.outputTokens)) this.outputTokens = (this.outputTokens ?? 0) + usage.outputTokens;
  }

  /** Counts the size of the request sent to the model (its JSON or UTF-8 bytes); the payload is not kept. */
  request<P>(payload: P): P {
    const bytes = payloadSize(payload);
    if (bytes !== undefined) this.requestByteCount = (this.requestByteCount ?? 0) + bytes;
    return payload;
  }

  /** Adds request bytes counted by the caller. */
  requestBytes(bytes: number): void {
    if (isCount(bytes)) this.requestByteCount = (this.requestByteCount ?? 0) + bytes;
  }

  /** Adds response bytes counted by the caller. */
  responseBytes(bytes: number): void {
    if (isCount(bytes)) this.responseByteCount = (this.responseByteCount ?? 0) + bytes;
  }

  /**
   * Reads a complete (non-streamed) response: token usage, model and finish reasons from
   * OpenAI- or Anthropic-shaped objects, its size, then the refusal policy and the validator.
   * Returns the response unchanged.
   */
  response<R>(response: R): R {
    try {
      const usage = readAiUsage(response);
      this.fold(usage);
      this.usage(usage);
      const bytes = payloadSize(response);
      if (bytes !== undefined) this.responseByteCount = (this.responseByteCount ?? 0) + bytes;
      if (!this.checkRefusal(response, usage.refusal === true)) this.validate(response);
    } catch {
      // A response whose getters or toJSON throw: its usage stays unknown, the caller's code
      // goes on with the response it passed (telemetry never throws into it).
    }
    return response;
  }

  /**
   * Passes a stream of chunks through, measuring the time to the first chunk, their size, and
   * the usage they report (OpenAI `usage` chunk, Anthropic `message_start`/`message_delta`);
   * at the end the refusal policy runs on the stream's summary. Iterate it inside the exchange.
   */
  async *stream<C>(chunks: AsyncIterable<C> | Iterable<C>): AsyncGenerator<C, void, undefined> {
    const usage = new StreamUsage();
    let bytes = 0;
    for await (const chunk of chunks) {
      if (this.firstChunkSeconds === undefined)
        this.firstChunkSeconds = (performance.now() - this.startMs) / 1000;
      try {
        usage.add(chunk);
        bytes += payloadSize(chunk) ?? 0;
      } catch {
        // A chunk whose getters throw is passed on unread.
      }
      yield chunk;
    }
    this.responseByteCount = (this.responseByteCount ?? 0) + bytes;
    const summary: AiUsage = {
      ...(usage.inputTokens !== undefined ? { inputTokens: usage.inputTokens } : {}),
      ...(usage.outputTokens !== undefined ? { outputTokens: usage.outputTokens } : {}),
      ...(usage.responseModel !== undefined ? { responseModel: usage.responseModel } : {}),
      finishReasons: usage.finishReasons,
      refusal: usage.refusal,
    };
    this.fold(summary);
    this.usage(summary);
    this.checkRefusal(summary, usage.refusal);
  }

  /**
   * Runs the `validate` option (or `validator`) on an output, e.g. the text assembled from a
   * stream; false or a throw makes the outcome `invalid_response`. Returns whether it passed.
   */
  validate(
    output: unknown,
    validator: ((output: unknown) => boolean) | undefined = this.options.validate,
  ): boolean {
    if (validator === undefined) return true;
    let valid: boolean;
    try {
      valid = validator(output) !== false;
    } catch {
      valid = false;
    }
    if (!valid) this.errorType = "invalid_response";
    return valid;
  }

  /** The model refused: an `unjustified_refusal` unless the policy says the refusal was right. */
  refused(policy: { readonly justified: boolean }): void {
    if (!policy.justified) this.errorType = "unjustified_refusal";
  }

  /** Sets the outcome explicitly (the last call wins), e.g. `ex.fail("rate_limited")`. */
  fail(errorType: ErrorType): void {
    this.errorType = errorType;
  }

  /** @internal Error type of a failure thrown out of the exchange, or undefined for a crash. */
  classify(error: unknown): ErrorType | undefined {
    if (this.signal?.aborted) return "timeout";
    return thrownErrorType(error);
  }

  /** @internal Records the golden signals (inside the exchange's `trace()`), the span attributes and the GenAI metrics. */
  finish(collector: Recorder, span: Span, thrownType: ErrorType | undefined, crashed: boolean): void {
    if (thrownType !== undefined) this.errorType = thrownType;
    const seconds = (performance.now() - this.startMs) / 1000;
    if (this.inputTokens !== undefined)
      collector.recordSignal(GoldenSignals.TRAFFIC, this.inputTokens, { kind: "tokens", direction: "input" });
    if (this.outputTokens !== undefined)
      collector.recordSignal(GoldenSignals.TRAFFIC, this.outputTokens, {
        kind: "tokens",
        direction: "output",
      });
    if (this.requestByteCount !== undefined)
      collector.recordSignal(GoldenSignals.TRAFFIC, this.requestByteCount, {
        kind: "bytes",
        direction: "input",
      });
    if (this.responseByteCount !== undefined)
      collector.recordSignal(GoldenSignals.TRAFFIC, this.responseByteCount, {
        kind: "bytes",
        direction: "output",
      });
    // A crash is recorded by `trace()` itself when the error is rethrown.
    if (this.errorType !== undefined && !crashed)
      collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: this.errorType });

    const instruments = genAiInstruments(collector);
    const attributes: Attributes = {
      "gen_ai.operation.name": label(this.options.genAiOperation) ?? "chat",
      [instruments.providerKey]: label(this.options.provider) ?? "unknown",
    };
    const requestModel = label(this.options.model);
    if (requestModel !== undefined) attributes["gen_ai.request.model"] = requestModel;
    const responseModel = label(this.responseModel);
    if (responseModel !== undefined) attributes["gen_ai.response.model"] = responseModel;
    span.setAttributes(attributes);

    const errorType = crashed ? "crash" : this.errorType;
    const metricAttributes: Attributes =
      errorType === undefined ? attributes : { ...attributes, "error.type": errorType };
    instruments.duration.record(seconds, metricAttributes);
    if (this.inputTokens !== undefined) {
      span.setAttribute("gen_ai.usage.input_tokens", this.inputTokens);
      instruments.tokenUsage.record(this.inputTokens, { ...attributes, "gen_ai.token.type": "input" });
    }
    if (this.outputTokens !== undefined) {
      span.setAttribute("gen_ai.usage.output_tokens", this.outputTokens);
      instruments.tokenUsage.record(this.outputTokens, { ...attributes, "gen_ai.token.type": "output" });
    }
    if (this.finishReasons.length > 0) {
      span.setAttribute(
        "gen_ai.response.finish_reasons",
        this.finishReasons.map((reason) => scrubValue(reason, 32)),
      );
    }
    if (this.firstChunkSeconds !== undefined) {
      span.setAttribute("gen_ai.response.time_to_first_chunk", this.firstChunkSeconds);
      instruments.timeToFirstChunk?.record(this.firstChunkSeconds, attributes);
    }
  }

  private fold(usage: AiUsage): void {
    if (usage.responseModel !== undefined) this.responseModel = usage.responseModel;
    if (usage.finishReasons !== undefined) this.finishReasons.push(...usage.finishReasons);
  }

  /** Applies the refusal policy; true when the response is an unjustified refusal. */
  private checkRefusal(response: unknown, detected: boolean): boolean {
    let unjustified = detected && this.options.mustAnswer === true;
    const classifier = this.options.isUnjustifiedRefusal;
    if (!unjustified && classifier !== undefined) {
      try {
        unjustified = classifier(response) === true;
      } catch {
        unjustified = false;
      }
    }
    if (unjustified) this.errorType = "unjustified_refusal";
    return unjustified;
  }
}

/**
 * Runs `fn` as one AI exchange: an operation (span, one request, latency) of kind `ai_ai` or
 * `ai_human` whose handle `ex` records tokens, sizes, time to first chunk and the outcome (`ok`,
 * `invalid_response`, `unjustified_refusal`, `timeout`, `rate_limited`, `crash`). A throw is a
 * `timeout` after the deadline or for timeout errors, `rate_limited` for errors with status 429,
 * else a `crash`; it is rethrown. Also emits the GenAI semantic-convention client metrics.
 * Prompt and completion content is never recorded.
 *
 * @example
 * const answer = await exchange(collector, { operation: "summarize", kind: "ai_human", provider: "openai", model: "gpt-4o-mini" },
 *   async (ex) => ex.response(await openai.chat.completions.create(ex.request(body))));
 */
export async function exchange<T>(
  collector: Recorder,
  options: AiExchangeOptions,
  fn: (ex: AiExchange) => T | Promise<T>,
): Promise<T> {
  if (typeof fn !== "function") {
    throw new TypeError(`zoran-telemetrie: exchange(options, fn) needs a function, got ${typeof fn}`);
  }
  if (typeof options !== "object" || options === null) {
    // Bad options are the telemetry's problem, not the caller's: run as an unnamed exchange.
    diag.warn("zoran-telemetrie: exchange() options must be an object; recorded as operation none");
    options = { operation: "none" } as AiExchangeOptions;
  }
  const settled = await collector.trace(
    options.operation,
    async (span): Promise<{ value: T } | { error: unknown }> => {
      const ex = new AiExchange(options);
      try {
        const value = await fn(ex);
        ex.finish(collector, span, undefined, false);
        return { value };
      } catch (error) {
        const type = ex.classify(error);
        ex.finish(collector, span, type, type === undefined);
        // Unclassified: rethrown inside `trace()`, which records it as a crash on the span too.
        if (type === undefined) throw error;
        return { error };
      }
    },
    { exchange: options.kind, kind: SpanKind.CLIENT },
  );
  if ("error" in settled) throw settled.error;
  return settled.value;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

// Model and provider identifiers: letters, digits and `._:/-` (e.g. `gpt-4o-mini-2024-07-18`,
// `meta-llama/Llama-3.1-8B-Instruct`). Their dates would read as phone numbers to the scrubber, so
// such names pass as they are; anything else (spaces, `@`) is scrubbed like free text.
const MODEL_NAME = /^[\w.:/-]{1,64}$/;

/** A provider or model name as an attribute value: an identifier, or scrubbed and short; undefined when empty. */
function label(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  // Release dates removed (`2024-07-18`, `20240718`), the name must survive scrubbing whole: an
  // address, a key, an IBAN or a phone number given as a model name does not.
  if (MODEL_NAME.test(value)) {
    const undated = value.replace(/(?:19|20)\d{2}-?[01]\d-?[0-3]\d/g, "");
    if (scrubValue(undated, 64) === undated) return value;
  }
  return scrubValue(value, 64) || undefined;
}
