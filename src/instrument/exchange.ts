import { SpanKind } from "@opentelemetry/api";
import type { Recorder } from "../recording/recorder.js";
import { withExchange } from "./ai/exchange-context.js";
import { AiExchange } from "./ai-exchange.js";
import { type AiExchangeOptions, resolveExchangeOptions } from "./ai-exchange-options.js";

/**
 * Runs `fn` as one AI exchange: an operation (span, one request, latency) of kind `ai_ai` or
 * `ai_human` whose handle `ex` records tokens, sizes, time to first token, refusals and the
 * outcome. A throw is classified by the one AI error taxonomy (`timeout` after the deadline or
 * for timeout errors, `rate_limited`, `provider_error`, `invalid_response`, `other`; see
 * `ai/ai-error-type.ts`), else it is a `crash`; it is always rethrown. Also emits the GenAI
 * semantic-convention client metrics. Prompt and completion content is never recorded.
 *
 * Instrumented clients, the AI SDK middleware and `instrumentFetch` running inside `fn` add their
 * readings to this exchange and count no request of their own (outermost wins).
 *
 * @example
 * const answer = await collector.exchange({ operation: "summarize", kind: "ai_human", provider: "openai", model: "gpt-4o-mini" },
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
  const resolved = resolveExchangeOptions(collector, options);
  const settled = await collector.trace(
    resolved.operation,
    (span): Promise<{ value: T } | { error: unknown }> => {
      const ex = new AiExchange(resolved);
      const context = withExchange(collector.contextManager.active(), ex);
      return collector.contextManager.with(context, async () => {
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
      });
    },
    resolved.kind === undefined
      ? { kind: SpanKind.CLIENT }
      : { exchange: resolved.kind, kind: SpanKind.CLIENT },
  );
  if ("error" in settled) throw settled.error;
  return settled.value;
}
