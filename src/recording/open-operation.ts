import type { Span } from "@opentelemetry/api";
import type { ContextFrame } from "./operation-context-manager.js";
import type { OpenOperation } from "./recorder.js";

/**
 * The {@link OpenOperation} of a frame opened by `SignalRecorder.startOperation`: `end()` calls
 * `finish` once (later calls do nothing), with the failure's error when there is one.
 */
export function createOpenOperation(
  frame: ContextFrame,
  span: Span,
  finish: (failure: { readonly error: unknown } | undefined) => void,
): OpenOperation {
  let ended = false;
  return {
    captured: frame,
    context: frame.context,
    span,
    end: (failure) => {
      if (ended) return;
      ended = true;
      finish(failure);
    },
  };
}
