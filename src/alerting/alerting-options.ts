import type { WindowStore } from "../window/window-store.js";
import type { AlertRule, SloConfig, ThresholdRuleConfig } from "./alert-rule.js";
import type { AlertState, Notifier } from "./alert-state.js";
import { AlertingEngine } from "./alerting-engine.js";
import { defaultRules } from "./default-rules.js";
import type { DeliveryOptions } from "./delivery-queue.js";
import { loadRules } from "./load-rules.js";

/**
 * Alerting as `new TelemetryCollector({ alerting: { ... } })` takes it.
 *
 * @example
 * new TelemetryCollector({
 *   serviceName: "chat",
 *   alerting: {
 *     slos: [{ objective: 0.99, signal: "errors" }],
 *     notifiers: [createAlertmanagerNotifier({ url: "http://127.0.0.1:9093" })],
 *   },
 * });
 */
export interface AlertingOptions {
  /**
   * Threshold rules: a YAML or JSON rule file path (which may hold `slos` too), or rules in code
   * (configs, or rules already returned by `loadRules`/`defaultRules`).
   * @default the shipped rules, `defaultRules()`
   */
  readonly rules?: string | readonly (ThresholdRuleConfig | AlertRule)[];
  /** SLOs, each expanded into its four burn-rate alerts. @default [] */
  readonly slos?: readonly SloConfig[];
  /** Where notifications go. @default [] (states are still visible in `collector.alerts()`) */
  readonly notifiers?: readonly Notifier[];
  /** How often rules are evaluated, in milliseconds. @default 10000 */
  readonly evaluationIntervalMs?: number;
  /** Re-notification interval while an alert keeps firing, in milliseconds. @default 14400000 (4 h) */
  readonly repeatIntervalMs?: number;
  /** Link carried by every alert (e.g. the live page). @default "" */
  readonly generatorURL?: string;
  /** Retries, backoff, timeouts and queue bound of deliveries. */
  readonly delivery?: DeliveryOptions;
  /** Called when a notifier gives up on a batch (also reported through `diag`). */
  readonly onDeliveryError?: (notifier: string, error: Error) => void;
}

/** Default of {@link AlertingOptions.evaluationIntervalMs}. */
export const DEFAULT_EVALUATION_INTERVAL_MS = 10_000;

/**
 * The rules an {@link AlertingOptions} stands for: its rule file or rules (the shipped ones when
 * none), then its SLOs' burn-rate rules. Throws a `RuleValidationError` naming each bad rule and field.
 */
export function resolveAlertRules(options: AlertingOptions): AlertRule[] {
  const { rules, slos = [] } = options;
  // One validation for every rule: files, configs written in code, and rules returned by
  // loadRules()/defaultRules() handed back (issue 15 item 7: `kind` used to skip it).
  if (typeof rules === "string") {
    const fromFile = loadRules(rules);
    return slos.length === 0 ? fromFile : [...fromFile, ...loadRules({ slos })];
  }
  return loadRules({ rules: rules ?? defaultRules(), slos });
}

/**
 * Builds the engine a collector runs for its `alerting` option, over the collector's window
 * store. The collector then calls `engine.evaluate()` after a window ingest, at most every
 * `evaluationIntervalMs`, serves `engine.states()` (see {@link alertsResponseBody}) and awaits
 * `engine.shutdown()` in its own shutdown. Throws a `RuleValidationError` on bad rules.
 */
export function createAlertingEngine(
  options: AlertingOptions,
  context: { serviceName: string; window: WindowStore; clock?: () => number; generatorURL?: string },
): AlertingEngine {
  const generatorURL = options.generatorURL ?? context.generatorURL;
  return new AlertingEngine({
    rules: resolveAlertRules(options),
    serviceName: context.serviceName,
    window: context.window,
    notifiers: options.notifiers ?? [],
    ...(context.clock === undefined ? {} : { clock: context.clock }),
    ...(options.repeatIntervalMs === undefined ? {} : { repeatIntervalMs: options.repeatIntervalMs }),
    ...(generatorURL === undefined ? {} : { generatorURL }),
    ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
    ...(options.onDeliveryError === undefined ? {} : { onDeliveryError: options.onDeliveryError }),
  });
}

/** The JSON body of `GET /api/alerts`: `{ "alerts": [AlertState, ...] }`. */
export function alertsResponseBody(states: readonly AlertState[]): string {
  return JSON.stringify({ alerts: states });
}
