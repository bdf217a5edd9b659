import type { DiagLogger } from "@opentelemetry/api";
import { countOption } from "../config/count-option.js";
import { durationOption } from "../config/duration-option.js";
import { reportBadOption } from "../config/report-bad-option.js";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
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
/** Default of {@link AlertingOptions.repeatIntervalMs} (4 h). */
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000;

/** {@link AlertingOptions} after {@link normalizeAlertingOptions}: types checked, durations resolved. */
export interface NormalizedAlertingOptions extends AlertingOptions {
  readonly evaluationIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly notifiers: readonly Notifier[];
  readonly slos: readonly SloConfig[];
}

const ALERTING_KEYS = new Set([
  "rules",
  "slos",
  "notifiers",
  "evaluationIntervalMs",
  "repeatIntervalMs",
  "generatorURL",
  "delivery",
  "onDeliveryError",
]);
const DELIVERY_KEYS = new Set([
  "maxAttempts",
  "attemptTimeoutMs",
  "backoffBaseMs",
  "backoffMaxMs",
  "maxQueuedBatches",
]);

/**
 * The `alerting` option of the collector, checked once at construction: `undefined` or `false`
 * is off (`undefined` returned), `true` is the shipped rules. Any field of the wrong type gets its
 * default and one warning through `diag` (issue 15 item 13: `alerting: null` or non-array rules
 * used to throw TypeErrors), and so do `alerting` values that are not an object (`null`, a string:
 * alerting stays off). Durations go through `durationOption` (1 ms to 2^31 - 1 ms). Rule
 * *contents* are not checked here: `createAlertingEngine` validates them and throws a
 * `RuleValidationError` naming each mistake, by design.
 */
export function normalizeAlertingOptions(
  value: unknown,
  diag: DiagLogger | undefined,
): NormalizedAlertingOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && !isPlainObject(value)) {
    reportBadOption(
      diag,
      "alerting",
      value,
      "true, false or an object such as { rules, slos, notifiers }",
      "alerting off",
    );
    return undefined;
  }
  const raw: Record<string, unknown> = value === true ? {} : (readFields(value, "alerting", diag) ?? {});
  for (const key of Object.keys(raw)) {
    if (!ALERTING_KEYS.has(key))
      reportBadOption(
        diag,
        `alerting.${key}`,
        raw[key],
        "a known option (unknown ones are ignored)",
        "nothing",
      );
  }
  const rules = raw.rules;
  const slos = arrayOption(raw.slos, "alerting.slos", diag) ?? [];
  let notifiers = (arrayOption(raw.notifiers, "alerting.notifiers", diag) ?? []) as unknown[];
  notifiers = notifiers.filter((notifier, index) => {
    const ok =
      notifier !== null &&
      typeof notifier === "object" &&
      typeof (notifier as Notifier).name === "string" &&
      typeof (notifier as Notifier).send === "function";
    if (!ok)
      reportBadOption(
        diag,
        `alerting.notifiers[${index}]`,
        notifier,
        "a notifier ({ name, send() })",
        "no notifier in its place",
      );
    return ok;
  });
  const generatorURL = raw.generatorURL;
  const onDeliveryError = raw.onDeliveryError;
  const delivery = normalizeDelivery(raw.delivery, diag);
  let validRules: AlertingOptions["rules"];
  if (rules === undefined || typeof rules === "string" || Array.isArray(rules))
    validRules = rules as AlertingOptions["rules"];
  else
    reportBadOption(
      diag,
      "alerting.rules",
      rules,
      "a rule file path or a list of rules",
      "the shipped rules",
    );
  if (generatorURL !== undefined && typeof generatorURL !== "string") {
    reportBadOption(diag, "alerting.generatorURL", generatorURL, "a URL string", "no link");
  }
  if (onDeliveryError !== undefined && typeof onDeliveryError !== "function") {
    reportBadOption(diag, "alerting.onDeliveryError", onDeliveryError, "a function", "no callback");
  }
  return {
    ...(validRules === undefined ? {} : { rules: validRules }),
    slos: slos as SloConfig[],
    notifiers: notifiers as Notifier[],
    evaluationIntervalMs: durationOption(
      raw.evaluationIntervalMs,
      { name: "alerting.evaluationIntervalMs", defaultMs: DEFAULT_EVALUATION_INTERVAL_MS },
      diag,
    ),
    repeatIntervalMs: durationOption(
      raw.repeatIntervalMs,
      { name: "alerting.repeatIntervalMs", defaultMs: DEFAULT_REPEAT_INTERVAL_MS },
      diag,
    ),
    ...(typeof generatorURL === "string" ? { generatorURL } : {}),
    ...(delivery === undefined ? {} : { delivery }),
    ...(typeof onDeliveryError === "function"
      ? { onDeliveryError: onDeliveryError as AlertingOptions["onDeliveryError"] & object }
      : {}),
  };
}

function normalizeDelivery(value: unknown, diag: DiagLogger | undefined): DeliveryOptions | undefined {
  if (value === undefined) return undefined;
  const raw = isPlainObject(value) ? readFields(value, "alerting.delivery", diag) : undefined;
  if (raw === undefined) {
    reportBadOption(
      diag,
      "alerting.delivery",
      value,
      "an object of delivery options",
      "the default delivery",
    );
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!DELIVERY_KEYS.has(key))
      reportBadOption(
        diag,
        `alerting.delivery.${key}`,
        raw[key],
        "a known option (unknown ones are ignored)",
        "nothing",
      );
  }
  const duration = (key: string, defaultMs: number) =>
    durationOption(raw[key], { name: `alerting.delivery.${key}`, defaultMs }, diag);
  return {
    maxAttempts: countOption(
      raw.maxAttempts,
      { name: "alerting.delivery.maxAttempts", defaultValue: 4, max: 100 },
      diag,
    ),
    attemptTimeoutMs: duration("attemptTimeoutMs", 5000),
    backoffBaseMs: duration("backoffBaseMs", 250),
    backoffMaxMs: duration("backoffMaxMs", 5000),
    maxQueuedBatches: countOption(
      raw.maxQueuedBatches,
      { name: "alerting.delivery.maxQueuedBatches", defaultValue: 100, max: 100_000 },
      diag,
    ),
  };
}

function arrayOption(
  value: unknown,
  name: string,
  diag: DiagLogger | undefined,
): readonly unknown[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value;
  reportBadOption(diag, name, value, "a list", "an empty list");
  return undefined;
}

function isPlainObject(value: unknown): value is object {
  try {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  } catch {
    return false; // a revoked proxy
  }
}

/** Own enumerable fields of an options object, each read once; a getter or proxy that throws is reported and the field left out. */
function readFields(
  value: unknown,
  name: string,
  diag: DiagLogger | undefined,
): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    reportBadOption(diag, name, value, "a readable object", "the defaults");
    return {};
  }
  const fields: Record<string, unknown> = {};
  for (const key of keys) {
    try {
      Object.defineProperty(fields, key, {
        value: (value as Record<string, unknown>)[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } catch {
      reportBadOption(diag, `${name}.${key}`, undefined, "a readable value", "its default");
    }
  }
  return fields;
}

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
  context: {
    serviceName: string;
    window: WindowStore;
    clock?: () => number;
    generatorURL?: string;
    diag?: DiagLogger;
  },
): AlertingEngine {
  // Idempotent: options the collector already normalized come out the same (reports are once).
  const diag = context.diag ?? createTelemetryLogger();
  const normalized = normalizeAlertingOptions(options, diag) ?? normalizeAlertingOptions(true, diag)!;
  const generatorURL = normalized.generatorURL ?? context.generatorURL;
  return new AlertingEngine({
    rules: resolveAlertRules(normalized),
    serviceName: context.serviceName,
    window: context.window,
    notifiers: normalized.notifiers,
    diag,
    ...(context.clock === undefined ? {} : { clock: context.clock }),
    repeatIntervalMs: normalized.repeatIntervalMs,
    ...(generatorURL === undefined ? {} : { generatorURL }),
    ...(normalized.delivery === undefined ? {} : { delivery: normalized.delivery }),
    ...(normalized.onDeliveryError === undefined ? {} : { onDeliveryError: normalized.onDeliveryError }),
  });
}

/** The JSON body of `GET /api/alerts`: `{ "alerts": [AlertState, ...] }`. */
export function alertsResponseBody(states: readonly AlertState[]): string {
  return JSON.stringify({ alerts: states });
}
