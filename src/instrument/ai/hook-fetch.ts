import type { Recorder } from "../../recording/recorder.js";
import { callIn } from "./exchange-context.js";
import { type SdkCall, SdkCall as SdkCallClass } from "./sdk-call.js";

const FETCH_HOOKED = Symbol.for("zoran-telemetrie.fetch-hook");

/**
 * Replaces the instance's `fetch` (read by the SDK at each attempt) with one that reports the
 * attempts and the response to the call in progress in the context of one of `recorders` (each
 * collector has its own context manager). Hooked once per client; later recorders are added.
 */
export function hookFetch(client: Record<string, unknown>, recorder: () => Recorder | undefined): void {
  const current = client.fetch as HookedFetch | undefined;
  if (typeof current !== "function") return;
  if (current[FETCH_HOOKED] !== undefined) {
    current[FETCH_HOOKED].add(recorder);
    return;
  }
  const base = current;
  const sources = new Set<() => Recorder | undefined>([recorder]);
  const hooked = function (this: unknown, url: unknown, init?: { body?: unknown }): Promise<Response> {
    // Synchronous and allocation-free: the response is read where the SDK parses it.
    const call = currentCall(sources);
    if (call !== undefined) {
      try {
        call.attempt(init?.body);
      } catch {
        // Unreadable init: the attempt is still counted.
      }
    }
    return base.call(this, url, init);
  } as HookedFetch;
  Object.defineProperty(hooked, FETCH_HOOKED, { value: sources });
  client.fetch = hooked;
}

type HookedFetch = ((url: unknown, init?: { body?: unknown }) => Promise<Response>) & {
  [FETCH_HOOKED]?: Set<() => Recorder | undefined>;
};

function currentCall(sources: ReadonlySet<() => Recorder | undefined>): SdkCall | undefined {
  if (sources.size === 1) {
    const [only] = sources;
    const recorder = only!();
    const call = recorder === undefined ? undefined : callIn(recorder.contextManager.active());
    return call instanceof SdkCallClass ? call : undefined;
  }
  for (const source of sources) {
    const recorder = source();
    if (recorder === undefined) continue;
    const call = callIn(recorder.contextManager.active());
    if (call instanceof SdkCallClass) return call;
  }
  return undefined;
}
