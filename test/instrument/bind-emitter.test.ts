import { EventEmitter } from "node:events";
import { createContextKey, ROOT_CONTEXT } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { afterEach, describe, expect, it } from "vitest";
import { bindEmitterToContext } from "../../src/instrument/bind-emitter.js";

const KEY = createContextKey("request");
const manager = new AsyncLocalStorageContextManager().enable();
afterEach(() => manager.disable().enable());

/** What listeners saw: the `KEY` value of the context they ran in. */
function listenersOf() {
  const seen: unknown[] = [];
  const listener = (name: string) => () => seen.push(`${name}:${String(manager.active().getValue(KEY))}`);
  return { seen, listener };
}

/** Emits from a callback that runs in the root context, as a socket's callbacks do. */
function emitOutside(emitter: EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) =>
    manager.with(ROOT_CONTEXT, () =>
      setImmediate(() => {
        emitter.emit(event);
        resolve();
      }),
    ),
  );
}

describe("bindEmitterToContext", () => {
  it("runs listeners added later in the bound context, once ones once, and removes them by the original", async () => {
    const emitter = new EventEmitter();
    bindEmitterToContext(emitter, ROOT_CONTEXT.setValue(KEY, "r1"), manager);
    const { seen, listener } = listenersOf();
    const removed = listener("removed");
    emitter.on("data", listener("on"));
    emitter.addListener("data", listener("add"));
    emitter.prependListener("data", listener("prepend"));
    emitter.once("data", listener("once"));
    emitter.prependOnceListener("data", listener("prependOnce"));
    emitter.on("data", removed);
    emitter.removeListener("data", removed);
    const onceRemoved = listener("onceRemoved");
    emitter.once("data", onceRemoved);
    emitter.off("data", onceRemoved);
    // listeners() hands back what the caller added, not the wrappers.
    expect(emitter.listeners("data")).toHaveLength(5);
    await emitOutside(emitter, "data");
    await emitOutside(emitter, "data");
    expect(seen).toEqual([
      "prependOnce:r1",
      "prepend:r1",
      "on:r1",
      "add:r1",
      "once:r1",
      "prepend:r1",
      "on:r1",
      "add:r1",
    ]);
  });

  it("binds an emitter on a framework's prototype without a property on it, and leaves others alone", async () => {
    // Like Express: `express.request` made with Object.create, each app's prototype below it.
    const base = Object.create(EventEmitter.prototype);
    const appPrototype = Object.create(base);
    const bound = Object.setPrototypeOf(new EventEmitter(), appPrototype) as EventEmitter;
    const other = Object.setPrototypeOf(new EventEmitter(), Object.create(base)) as EventEmitter;
    const before = Reflect.ownKeys(bound);
    bindEmitterToContext(bound, ROOT_CONTEXT.setValue(KEY, "r2"), manager);
    expect(Reflect.ownKeys(bound)).toEqual(before);
    const { seen, listener } = listenersOf();
    bound.on("end", listener("bound"));
    bound.once("end", listener("boundOnce"));
    other.on("end", listener("other"));
    other.once("end", listener("otherOnce"));
    await emitOutside(bound, "end");
    await emitOutside(bound, "end");
    await emitOutside(other, "end");
    await emitOutside(other, "end");
    expect(seen).toEqual([
      "bound:r2",
      "boundOnce:r2",
      "bound:r2",
      "other:undefined",
      "otherOnce:undefined",
      "other:undefined",
    ]);
  });
});
