import type { EventEmitter } from "node:events";
import type { Context, ContextManager } from "@opentelemetry/api";

type Listener = (...args: unknown[]) => unknown;
type Wrapped = Listener & { listener?: Listener };
type Adder = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;

/** The context listeners of a bound emitter run in, and who runs them there. */
interface Binding {
  readonly context: Context;
  readonly manager: ContextManager;
}

const BINDINGS = new WeakMap<object, Binding>();
const PATCHED = new WeakSet<object>();
const ADDERS = [
  ["on", "on", false],
  ["addListener", "on", false],
  ["prependListener", "prependListener", false],
  ["once", "on", true],
  ["prependOnceListener", "prependListener", true],
] as const;

/**
 * Makes every listener added to `emitter` from now on run in `context`, as
 * `contextManager.bind(context, emitter)` does, at a fraction of its cost per request.
 *
 * A request's `data`/`end` and a response's `finish`/`close` are emitted from the socket's
 * callbacks, outside the handler's async context: a body parser's `next()` or an `on-finished`
 * callback would run without the server span. OpenTelemetry's `bind` gives each emitter seven
 * patched methods and a map of wrapped listeners per event. What that costs depends on the
 * object: on a plain `IncomingMessage` a property costs tens of nanoseconds, but Express moves
 * `req` and `res` onto its own prototypes (`Object.setPrototypeOf`), after which V8 keeps them as
 * dictionaries and each new property costs about 2 µs: the largest cost of the middleware
 * (`node --cpu-prof` of bench/middleware.bench.ts). So:
 *
 * - a plain emitter gets the five methods that add a listener as own properties;
 * - an emitter on a framework's prototype (one made with `Object.create`, like `express.request`)
 *   gets no property at all: the framework's base prototype gets the five methods once, and they
 *   look the context up here (a `WeakMap`); emitters not bound pass through unchanged.
 *
 * Each wrapper carries the original as `listener`, the property Node's `removeListener()` and
 * `listeners()` already look for (Node's own `once()` wrappers use it): removal needs no patch.
 */
export function bindEmitterToContext(
  emitter: EventEmitter,
  context: Context,
  contextManager: ContextManager,
): void {
  BINDINGS.set(emitter, { context, manager: contextManager });
  const base = frameworkPrototype(emitter);
  if (base === undefined) {
    const own = emitter as unknown as Record<string, Adder>;
    for (const [name, method] of OWN_METHODS) own[name] = method;
  } else if (!PATCHED.has(base)) {
    PATCHED.add(base);
    patchPrototype(base);
  }
}

/**
 * The framework prototype nearest to Node's class in `emitter`'s chain (`express.request`,
 * shared by every app and sub-app of that Express), or undefined for a plain instance.
 */
function frameworkPrototype(emitter: object): object | undefined {
  let found: object | undefined;
  for (let proto = Object.getPrototypeOf(emitter); proto !== null; proto = Object.getPrototypeOf(proto)) {
    // A class's own prototype (`IncomingMessage.prototype`) is where the framework's chain ends.
    if (
      Object.hasOwn(proto, "constructor") &&
      (proto as { constructor: { prototype?: unknown } }).constructor.prototype === proto
    )
      return found;
    found = proto;
  }
  return undefined;
}

/** The own-property method of a plain emitter: adds through the class's method, wrapped. */
function ownAdder(adder: "on" | "prependListener", once: boolean): Adder {
  return function (this: EventEmitter, event, listener) {
    const add = (Object.getPrototypeOf(this) as Record<string, Adder>)[adder]!;
    return addBound(this, add, event, listener, once);
  };
}

/** The five methods a plain emitter gets, made once. */
const OWN_METHODS = ADDERS.map(([name, adder, once]) => [name, ownAdder(adder, once)] as const);

function patchPrototype(base: object): void {
  const parent = Object.getPrototypeOf(base) as Record<string, Adder>;
  for (const [name, adder, once] of ADDERS) {
    const original = Object.hasOwn(base, name) ? (base as Record<string, Adder>)[name]! : undefined;
    Object.defineProperty(base, name, {
      configurable: true,
      writable: true,
      value: function (this: EventEmitter, event: string | symbol, listener: Listener) {
        if (!BINDINGS.has(this)) return (original ?? parent[name]!).call(this, event, listener);
        return addBound(this, original ?? parent[adder]!, event, listener, once);
      },
    });
  }
}

function addBound(
  emitter: EventEmitter,
  add: Adder,
  event: string | symbol,
  listener: Listener,
  once: boolean,
): EventEmitter {
  const binding = BINDINGS.get(emitter);
  // Not a function: left to the class method, which throws Node's own error.
  if (binding === undefined || typeof listener !== "function") return add.call(emitter, event, listener);
  add.call(emitter, event, once ? wrapOnce(emitter, binding, event, listener) : wrap(binding, listener));
  return emitter;
}

function wrap({ context, manager }: Binding, listener: Listener): Listener {
  const wrapped: Wrapped = function (this: unknown, ...args: unknown[]) {
    return manager.with(context, listener, this, ...args);
  };
  wrapped.listener = listener;
  return wrapped;
}

function wrapOnce(
  emitter: EventEmitter,
  { context, manager }: Binding,
  event: string | symbol,
  listener: Listener,
): Listener {
  let fired = false;
  const wrapped: Wrapped = function (this: unknown, ...args: unknown[]) {
    emitter.removeListener(event, wrapped);
    if (fired) return undefined;
    fired = true;
    return manager.with(context, listener, this, ...args);
  };
  wrapped.listener = listener;
  return wrapped;
}
