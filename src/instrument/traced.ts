import type { Recorder } from "../recording/recorder.js";
import { type WrapOptions, wrap } from "./wrap.js";

/** Options of the {@link traced} decorator. */
export interface TracedOptions extends WrapOptions {
  /** Operation name. @default the method's name */
  readonly name?: string;
}

/**
 * A method decorator (TypeScript 5 standard decorators) that makes every call of the method one
 * operation, as {@link wrap} does: sync, async and generator methods alike.
 *
 * @example
 * class Planner {
 *   @traced(collector, { name: "plan_trip", exchange: "ai_ai" })
 *   async plan(request: TripRequest) { ... }
 * }
 */
export function traced(collector: Recorder, options: TracedOptions = {}) {
  return function decorate<This, Args extends unknown[], Return>(
    method: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ): (this: This, ...args: Args) => Return {
    const { name, ...wrapOptions } = options;
    return wrap(collector, name ?? String(context.name), method, wrapOptions);
  };
}
