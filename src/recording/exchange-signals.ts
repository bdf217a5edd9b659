import { describeError } from "../privacy/describe-error.js";
import { resolveExchange, resolveFreeText } from "./attribute-resolver.js";
import type { GoldenSignalStore } from "./golden-signal-store.js";
import type { OperationContextManager } from "./operation-context-manager.js";
import type { ExchangeAttributes } from "./signal-attributes.js";

/**
 * Counts one model refusal in `zoran_refusals_total`. Inside `trace()` it is the operation's
 * (its name and exchange kind); outside, `attributes.operation` / `attributes.exchange`. Never
 * throws: a failure is dropped and counted.
 */
export function countRefusal(
  store: GoldenSignalStore,
  contextManager: OperationContextManager,
  attributes: ExchangeAttributes | undefined,
): void {
  try {
    const scope = contextManager.frame()?.operation;
    const operation =
      scope?.operation ?? resolveFreeText(store, attributes?.operation, "refusals", "operation");
    const exchange = scope?.exchangeIndex ?? resolveExchange(store, attributes?.exchange, "refusals");
    store.refusals.add(store.refusals.seriesOf(operation, exchange), 1);
  } catch (error) {
    store.drop("internal_error", "refusals", describeError(error));
  }
}

/**
 * Observes the time to the first text or tool-call delta of a streamed AI call, in seconds, in
 * `zoran_time_to_first_token_seconds` (operation and exchange as {@link countRefusal}). A value
 * that is not finite seconds >= 0 is dropped. Never throws.
 */
export function observeTimeToFirstToken(
  store: GoldenSignalStore,
  contextManager: OperationContextManager,
  seconds: number,
  attributes: ExchangeAttributes | undefined,
): void {
  if (!(typeof seconds === "number" && seconds >= 0 && seconds < Number.POSITIVE_INFINITY)) {
    store.drop("invalid_value", "time_to_first_token", "time to first token must be finite seconds >= 0");
    return;
  }
  try {
    const scope = contextManager.frame()?.operation;
    const operation =
      scope?.operation ?? resolveFreeText(store, attributes?.operation, "time_to_first_token", "operation");
    const exchange =
      scope?.exchangeIndex ?? resolveExchange(store, attributes?.exchange, "time_to_first_token");
    const table = store.timeToFirstToken;
    table.observe(table.seriesOf(operation, exchange), seconds);
  } catch (error) {
    store.drop("internal_error", "time_to_first_token", describeError(error));
  }
}
