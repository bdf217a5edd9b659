import type { Span } from "@opentelemetry/api";
import type { Recorder } from "../recording/recorder.js";
import { ERROR_TYPES, type ErrorType } from "../signals/label-values.js";
import { classifiedErrorType } from "./ai/ai-error-type.js";
import type { ResolvedExchangeOptions } from "./ai-exchange-options.js";
import { type AiUsage, isFirstTokenEvent, readAiUsage, StreamUsage } from "./ai-usage.js";
import { payloadSize } from "./payload-size.js";
import { recordAiExchange } from "./record-ai-exchange.js";

/** How an exchange ended: `ok` or one of the golden-signal error types. */
export type AiExchangeOutcome = "ok" | ErrorType;

/**
 * One AI exchange in progress, handed to the function given to {@link exchange} (and kept by the
 * SDK adapters for their calls). It collects token usage, request and response sizes, the time to
 * the first chunk and to the first token, attempts, refusals and the outcome, and records them
 * when the exchange ends. It never keeps prompt or completion content: it reads counts, sizes,
 * the model name and finish reasons, nothing else. None of its methods throws.
 */
export class AiExchange {
  /** Aborts at the `timeoutMs` deadline (pass it to the model client); undefined without a deadline. */
  readonly signal: AbortSignal | undefined;
  // The readings: internal, not private, because recordAiExchange() (record-ai-exchange.ts)
  // reads them when the exchange ends.
  /** @internal */ inputTokens: number | undefined;
  /** @internal */ outputTokens: number | undefined;
  /** @internal */ cachedInputTokens: number | undefined;
  /** @internal */ requestByteCount: number | undefined;
  /** @internal */ responseByteCount: number | undefined;
  // Sizes the adapters saw on the wire (the SDK's own request body, Content-Length, SSE bytes):
  // used when the caller counted none itself, so `ex.request()` around an instrumented client
  // does not count the request twice.
  /** @internal */ observedRequestBytes: number | undefined;
  /** @internal */ observedResponseBytes: number | undefined;
  /** @internal */ responseModel: string | undefined;
  /** @internal */ finishReasons: string[] | undefined;
  /** @internal */ errorType: ErrorType | undefined;
  /** @internal */ refusals = 0;
  /** @internal */ attempts = 0;
  /** @internal */ firstChunkSeconds: number | undefined;
  /** @internal */ firstTokenSeconds: number | undefined;
  // Responses and streams already read: the adapter inside and `ex.response()` outside may see
  // the same object; it is counted once. A plain array, not a WeakSet: an exchange reads one or
  // a few objects and lives as long as its call (a WeakSet per exchange showed in GC profiles).
  private absorbed: object[] | undefined;
  private finished = false;
  /** @internal */ endMs: number | undefined;
  /** @internal `performance.now()` at the start. */
  readonly startMs = performance.now();

  /** @internal Created by {@link exchange} and the SDK adapters. */
  constructor(private readonly options: ResolvedExchangeOptions) {
    this.signal =
      options.timeoutMs !== undefined
        ? // AbortSignal.timeout() throws a RangeError on fractions and on values past 2^32 - 1 ms.
          AbortSignal.timeout(Math.min(Math.ceil(options.timeoutMs), 0xffff_ffff))
        : undefined;
  }

  /** The outcome so far: `ok` until something failed. */
  get outcome(): AiExchangeOutcome {
    return this.errorType ?? "ok";
  }

  /** Seconds from the start of the exchange to the first streamed chunk of any kind, once one arrived. */
  get timeToFirstChunkSeconds(): number | undefined {
    return this.firstChunkSeconds;
  }

  /** Seconds from the start of the exchange to the first text or tool-call delta of a stream. */
  get timeToFirstTokenSeconds(): number | undefined {
    return this.firstTokenSeconds;
  }

  /** Tokens counted so far (undefined until some usage was reported), e.g. to bill or to show. */
  get tokenUsage(): {
    readonly inputTokens: number | undefined;
    readonly outputTokens: number | undefined;
    readonly cachedInputTokens: number | undefined;
  } {
    return {
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cachedInputTokens: this.cachedInputTokens,
    };
  }

  /** Adds token counts (for clients whose usage the adapters cannot read). */
  usage(usage: { readonly inputTokens?: number; readonly outputTokens?: number }): void {
    try {
      if (typeof usage !== "object" || usage === null) return;
      this.addTokens(usage.inputTokens, usage.outputTokens, undefined);
    } catch {
      // A getter that throws: nothing added.
    }
  }

  /** Counts the size of the request sent to the model (its JSON or UTF-8 bytes); the payload is not kept. */
  request<P>(payload: P): P {
    try {
      const bytes = payloadSize(payload);
      if (bytes !== undefined) this.requestByteCount = (this.requestByteCount ?? 0) + bytes;
    } catch {
      // A revoked proxy or a throwing getter: the size stays unknown, the payload passes.
    }
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
   * Reads a complete (non-streamed) response: token usage, model, finish reasons and refusals
   * from OpenAI- or Anthropic-shaped objects, its size, then the refusal policy and the
   * validator. Returns the response unchanged. A response an instrumented client already read
   * is not counted again (only validated).
   */
  response<R>(response: R): R {
    try {
      if (this.claim(response)) {
        const usage = readAiUsage(response);
        this.absorbUsage(usage);
        const bytes = payloadSize(response);
        if (bytes !== undefined) this.responseByteCount = (this.responseByteCount ?? 0) + bytes;
        if (this.applyRefusalPolicy(response, usage.refusal === true)) return response;
      }
      this.validate(response);
    } catch {
      // A response whose getters or toJSON throw: its usage stays unknown, the caller's code
      // goes on with the response it passed (telemetry never throws into it).
    }
    return response;
  }

  /**
   * Passes a stream of chunks through, measuring the time to the first chunk and to the first
   * text or tool-call delta, their size, and the usage they report (OpenAI `usage` chunk,
   * Anthropic `message_start`/`message_delta`, Responses `response.completed`); at the end the
   * refusal policy runs on the stream's summary. Iterate it inside the exchange. A stream an
   * instrumented client already observes is passed through as it is.
   */
  async *stream<C>(chunks: AsyncIterable<C> | Iterable<C>): AsyncGenerator<C, void, undefined> {
    let observed = false;
    try {
      observed = !this.claim(chunks);
    } catch {
      observed = true;
    }
    if (observed) {
      yield* chunks as AsyncIterable<C>;
      return;
    }
    const usage = new StreamUsage();
    let bytes = 0;
    for await (const chunk of chunks) {
      try {
        this.observeChunk(chunk, usage);
        bytes += payloadSize(chunk) ?? 0;
      } catch {
        // A chunk whose getters throw is passed on unread.
      }
      yield chunk;
    }
    this.responseByteCount = (this.responseByteCount ?? 0) + bytes;
    this.endStream(usage);
  }

  /**
   * Runs the `validate` option (or `validator`) on an output, e.g. the text assembled from a
   * stream; false or a throw makes the outcome `invalid_response`. Returns whether it passed.
   */
  validate(
    output: unknown,
    validator: ((output: unknown) => boolean) | undefined = this.options.validate,
  ): boolean {
    if (typeof validator !== "function") return true;
    let valid: boolean;
    try {
      valid = validator(output) !== false;
    } catch {
      valid = false;
    }
    if (!valid) this.errorType = "invalid_response";
    return valid;
  }

  /**
   * The model refused: counted in `zoran_refusals_total`; also an `unjustified_refusal` error
   * when `justified` is false, or when it is not given and the exchange's policy says the
   * request must be answered (`mustAnswer`).
   */
  refused(policy?: { readonly justified?: boolean }): void {
    let justified: unknown;
    try {
      justified = typeof policy === "object" && policy !== null ? policy.justified : undefined;
    } catch {
      justified = undefined;
    }
    this.refusals++;
    if (justified === false || (justified !== true && this.options.mustAnswer))
      this.errorType = "unjustified_refusal";
  }

  /**
   * Sets the outcome explicitly (the last call wins), e.g. `ex.fail("rate_limited")`. A value
   * outside the closed set of error types is `other` (never a label of its own).
   */
  fail(errorType: ErrorType): void {
    this.errorType = (ERROR_TYPES as readonly unknown[]).includes(errorType) ? errorType : "other";
  }

  /** @internal Error type of a failure thrown out of the exchange, or undefined for a crash. */
  classify(error: unknown): ErrorType | undefined {
    if (this.signal?.aborted) return "timeout";
    return classifiedErrorType(error);
  }

  /**
   * @internal Marks `value` (a response or a stream) as read by this exchange; false when it
   * already was. Values that cannot be held weakly (primitives) are always new.
   */
  claim(value: unknown): boolean {
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return true;
    const absorbed = this.absorbed;
    if (absorbed === undefined) {
      this.absorbed = [value];
      return true;
    }
    if (absorbed.includes(value)) return false;
    absorbed.push(value);
    return true;
  }

  /** @internal Adds one response's (or stream's) usage: tokens are summed over distinct responses. */
  absorbUsage(usage: AiUsage): void {
    this.addTokens(usage.inputTokens, usage.outputTokens, usage.cachedInputTokens);
    if (usage.responseModel !== undefined) this.responseModel = usage.responseModel;
    if (usage.finishReasons !== undefined && usage.finishReasons.length > 0) {
      this.finishReasons ??= [];
      this.finishReasons.push(...usage.finishReasons);
    }
  }

  /** @internal One stream chunk: first chunk, first token, and the stream's running usage. */
  observeChunk(chunk: unknown, usage: StreamUsage): void {
    if (this.firstChunkSeconds === undefined) this.firstChunkSeconds = this.elapsedSeconds();
    if (this.firstTokenSeconds === undefined && isFirstTokenEvent(chunk)) this.markFirstToken();
    usage.add(chunk);
  }

  /** @internal The first text or tool-call delta arrived now (the adapters that see no raw chunks). */
  markFirstToken(): void {
    if (this.firstTokenSeconds === undefined) this.firstTokenSeconds = this.elapsedSeconds();
  }

  /** @internal The first chunk of any kind arrived now. */
  markFirstChunk(): void {
    if (this.firstChunkSeconds === undefined) this.firstChunkSeconds = this.elapsedSeconds();
  }

  /** @internal A stream ended: its usage is added and the refusal policy runs on its summary. */
  endStream(usage: StreamUsage): void {
    const summary = usage.summary();
    this.absorbUsage(summary);
    this.applyRefusalPolicy(summary, usage.refusal);
  }

  /** @internal Counts provider attempts (HTTP requests, retries included). */
  addAttempts(attempts: number): void {
    this.attempts += attempts;
  }

  /** @internal Adds the sizes an adapter saw on the wire (used when the caller counted none). */
  addObservedBytes(requestBytes: number | undefined, responseBytes: number | undefined): void {
    if (isCount(requestBytes)) this.observedRequestBytes = (this.observedRequestBytes ?? 0) + requestBytes;
    if (isCount(responseBytes))
      this.observedResponseBytes = (this.observedResponseBytes ?? 0) + responseBytes;
  }

  /** @internal Sets the outcome unless one is set already (an adapter's finding never overrides the caller's). */
  failIfOk(errorType: ErrorType): void {
    this.errorType ??= errorType;
  }

  /**
   * @internal Applies the refusal policy: a detected refusal is counted; it is an
   * `unjustified_refusal` when the policy says the request must be answered, or when the
   * classifier says so (which also counts it). Returns true when the response is an unjustified refusal.
   */
  applyRefusalPolicy(response: unknown, detected: boolean): boolean {
    if (detected) this.refusals++;
    let unjustified = detected && this.options.mustAnswer;
    const classifier = this.options.isUnjustifiedRefusal;
    if (!unjustified && classifier !== undefined) {
      try {
        unjustified = classifier(response) === true;
      } catch {
        unjustified = false;
      }
      if (unjustified && !detected) this.refusals++;
    }
    if (unjustified) this.errorType = "unjustified_refusal";
    return unjustified;
  }

  /**
   * @internal The exchange ended at `performance.now()` value `ms`, though it is recorded later
   * (a failed AI SDK attempt held to see whether the SDK retries it): its latency ends there.
   */
  endAt(ms: number): void {
    this.endMs = ms;
  }

  /** @internal Whether {@link finish} ran: later readings are ignored. */
  get isFinished(): boolean {
    return this.finished;
  }

  /**
   * @internal Records the golden signals (inside the exchange's `trace()`), the refusals, the
   * time to first token, the span attributes and the GenAI metrics. Runs once; never throws.
   */
  finish(recorder: Recorder, span: Span, thrownType: ErrorType | undefined, crashed: boolean): void {
    if (this.finished) return;
    this.finished = true;
    try {
      recordAiExchange(this, this.options, recorder, span, thrownType, crashed);
    } catch (error) {
      recorder.diag.debug(`zoran-telemetrie: an AI exchange could not be recorded whole: ${String(error)}`);
    }
  }

  private addTokens(input: unknown, output: unknown, cached: unknown): void {
    if (isCount(input)) this.inputTokens = (this.inputTokens ?? 0) + input;
    if (isCount(output)) this.outputTokens = (this.outputTokens ?? 0) + output;
    if (isCount(cached)) this.cachedInputTokens = (this.cachedInputTokens ?? 0) + cached;
  }

  /** @internal Seconds since the start, up to {@link endAt} when it was called. */
  elapsedSeconds(): number {
    return ((this.endMs ?? performance.now()) - this.startMs) / 1000;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
