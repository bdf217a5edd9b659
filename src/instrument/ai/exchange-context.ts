import { type Context, createContextKey } from "@opentelemetry/api";

/**
 * Context keys that let the AI paths meet without double counting (outermost wins): an AI
 * exchange in progress (`collector.exchange()`, an instrumented SDK call, an AI SDK call) is in
 * the context of everything it runs, so an instrumented client, the AI SDK middleware or
 * `instrumentFetch` running inside it adds its readings to that exchange instead of counting a
 * request of its own.
 */
const EXCHANGE_KEY = createContextKey("zoran-telemetrie AI exchange");
const CALL_KEY = createContextKey("zoran-telemetrie AI SDK call");

/** The exchange in progress in `context`, if any (typed `unknown` here: `ai-exchange.ts` owns the class). */
export function exchangeIn(context: Context): unknown {
  return context.getValue(EXCHANGE_KEY);
}

/** `context` with `exchange` in progress. */
export function withExchange(context: Context, exchange: unknown): Context {
  return context.setValue(EXCHANGE_KEY, exchange);
}

/** Whether an AI exchange is in progress in `context` (`instrumentFetch` then records no signals of its own). */
export function isInsideAiExchange(context: Context): boolean {
  return context.getValue(EXCHANGE_KEY) !== undefined;
}

/** The instrumented SDK call whose HTTP attempts run in `context` (its fetch hook counts them). */
export function callIn(context: Context): unknown {
  return context.getValue(CALL_KEY);
}

/** `context` with an instrumented SDK call in progress. */
export function withCall(context: Context, call: unknown): Context {
  return context.setValue(CALL_KEY, call);
}
