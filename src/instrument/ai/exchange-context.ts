import { type Context, createContextKey } from "@opentelemetry/api";

/**
 * Context keys that let the AI paths meet without double counting (outermost wins): an AI
 * exchange in progress (`collector.exchange()`, an instrumented SDK call, an AI SDK call) is in
 * the context of everything it runs, so an instrumented client, the AI SDK middleware or
 * `instrumentFetch` running inside it adds its readings to that exchange instead of counting a
 * request of its own.
 */
// One key for both (each `setValue` copies the context's map): the value is an exchange, or a
// call, which carries its exchange in `exchange`.
const AI_KEY = createContextKey("zoran-telemetrie AI exchange");

interface CallLike {
  readonly exchange: unknown;
}

function isCall(value: unknown): value is CallLike {
  return typeof value === "object" && value !== null && (value as CallLike).exchange !== undefined;
}

/** The exchange in progress in `context`, if any (typed `unknown` here: `ai-exchange.ts` owns the class). */
export function exchangeIn(context: Context): unknown {
  const value = context.getValue(AI_KEY);
  return isCall(value) ? value.exchange : value;
}

/** `context` with `exchange` in progress. */
export function withExchange(context: Context, exchange: unknown): Context {
  return context.setValue(AI_KEY, exchange);
}

/** Whether an AI exchange is in progress in `context` (`instrumentFetch` then records no signals of its own). */
export function isInsideAiExchange(context: Context): boolean {
  return context.getValue(AI_KEY) !== undefined;
}

/** The instrumented SDK call whose HTTP attempts run in `context` (its fetch hook counts them). */
export function callIn(context: Context): unknown {
  const value = context.getValue(AI_KEY);
  return isCall(value) ? value : undefined;
}

/** `context` with an instrumented SDK call in progress (its exchange is the exchange in progress). */
export function withCall(context: Context, call: CallLike): Context {
  return context.setValue(AI_KEY, call);
}
