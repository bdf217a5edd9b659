import type { DiagLogger } from "@opentelemetry/api";
import { durationOption } from "../config/duration-option.js";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import { describeError } from "../privacy/describe-error.js";
import { labelSetKey } from "../window/label-matcher.js";
import type { WindowStore } from "../window/window-store.js";
import { type AlertInstance, toNotification, toState } from "./alert-instance.js";
import type { AlertRule } from "./alert-rule.js";
import type { AlertNotification, AlertState, Notifier } from "./alert-state.js";
import { type DeliveryOptions, DeliveryQueue, type DeliveryStats } from "./delivery-queue.js";
import { fingerprintLabels } from "./expand-template.js";
import { observeRule, trackRuleWindows } from "./observe-rule.js";

/** Options of {@link AlertingEngine}. */
export interface AlertingEngineOptions {
  /** Validated rules (from `loadRules()`, `defaultRules()`, `sloRules()`). */
  readonly rules: readonly AlertRule[];
  /** Goes into every alert as the `service` label. */
  readonly serviceName: string;
  /** Where notifications go. @default [] */
  readonly notifiers?: readonly Notifier[];
  /** The window store the rules query; the caller ingests snapshots into it. */
  readonly window: WindowStore;
  /** Clock in epoch milliseconds. @default Date.now */
  readonly clock?: () => number;
  /** How often a firing alert is notified again while it keeps firing, in milliseconds. @default 14400000 (4 h) */
  readonly repeatIntervalMs?: number;
  /** Link carried by every alert (e.g. the live page's URL). @default "" */
  readonly generatorURL?: string;
  /** How long a resolved alert stays visible in `states()`, in milliseconds. @default 900000 (15 min) */
  readonly resolvedRetentionMs?: number;
  /** Retries, backoff, timeouts and queue bound of deliveries. */
  readonly delivery?: DeliveryOptions;
  /** Longest time `shutdown()` waits for deliveries in flight, in milliseconds. @default 5000 */
  readonly shutdownTimeoutMs?: number;
  /** Called when a notifier gives up on a batch (also reported through `diag`). */
  readonly onDeliveryError?: (notifier: string, error: Error) => void;
  /** Where failing rules and deliveries are reported. @default the loud default logger (`createTelemetryLogger`) */
  readonly diag?: DiagLogger;
}

/**
 * Evaluates alert rules over a {@link WindowStore} and notifies. Each rule yields one alert per
 * label set (per `by` values), which moves through these states at each `evaluate()`:
 *
 * ```
 * inactive --condition--> pending --held for `for`--> firing --not held for `keepFiringFor`--> resolved
 *     ^                      |                          |  (repeat every repeatIntervalMs)      |
 *     +----not held----------+                          +------------<---condition---<----------+ (via pending)
 * ```
 *
 * The condition is `value <comparison> threshold`; once pending or firing, the alert is held
 * while `value <comparison> resolveThreshold` (hysteresis). A notification goes out when an alert
 * fires, again every repeat interval while it fires, and once when it resolves. Deliveries run in
 * the background (see `DeliveryQueue`), so `evaluate()` never waits on the network and never throws.
 *
 * @example
 * const engine = new AlertingEngine({ rules: defaultRules(), serviceName: "chat", window: store,
 *   notifiers: [createConsoleNotifier()] });
 * store.ingest(await collector.collect());
 * engine.evaluate();
 */
export class AlertingEngine {
  private readonly rules: readonly AlertRule[];
  private readonly serviceName: string;
  private readonly notifiers: readonly Notifier[];
  private readonly queues: DeliveryQueue[];
  private readonly window: WindowStore;
  private readonly clock: () => number;
  private readonly repeatIntervalMs: number;
  private readonly generatorURL: string;
  private readonly resolvedRetentionMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly instances = new Map<string, AlertInstance>();
  private readonly lastValues: (number | null)[];
  private lastEvaluatedAt: number | undefined;
  private readonly diag: DiagLogger;
  private closed = false;

  constructor(options: AlertingEngineOptions) {
    const diag = options.diag ?? createTelemetryLogger();
    this.diag = diag;
    this.rules = [...options.rules];
    this.serviceName = options.serviceName;
    this.notifiers = [...(options.notifiers ?? [])];
    this.queues = this.notifiers.map(
      (n) => new DeliveryQueue(n, options.delivery, options.onDeliveryError, diag),
    );
    this.window = options.window;
    this.clock = options.clock ?? Date.now;
    this.repeatIntervalMs = durationOption(
      options.repeatIntervalMs,
      { name: "alerting.repeatIntervalMs", defaultMs: 4 * 3_600_000 },
      diag,
    );
    this.generatorURL = options.generatorURL ?? "";
    this.resolvedRetentionMs = durationOption(
      options.resolvedRetentionMs,
      { name: "alerting.resolvedRetentionMs", defaultMs: 15 * 60_000 },
      diag,
    );
    this.shutdownTimeoutMs = durationOption(
      options.shutdownTimeoutMs,
      { name: "alerting.shutdownTimeoutMs", defaultMs: 5000 },
      diag,
    );
    this.lastValues = this.rules.map(() => null);
    // The window store keeps the coarse slots of latency statistics per rule group rather than
    // per series (src/window/window-store.ts): tell it which long windows the rules will ask.
    for (const rule of this.rules) trackRuleWindows(this.window, rule);
  }

  /**
   * Evaluates every rule at `nowMs`, moves alerts between states and queues the notifications due.
   * Returns the states after evaluation. Never throws: a failing rule is reported through `diag`.
   */
  evaluate(nowMs: number = this.clock()): AlertState[] {
    const outbox = this.notifiers.map((): AlertNotification[] => []);
    this.rules.forEach((rule, ruleIndex) => {
      try {
        this.evaluateRule(rule, ruleIndex, nowMs, outbox);
      } catch (error) {
        this.diag.error(
          `zoran-telemetrie alerting: rule "${rule.name}" failed to evaluate: ${describeError(error)}`,
        );
      }
    });
    this.lastEvaluatedAt = nowMs;
    if (!this.closed) {
      outbox.forEach((batch, i) => {
        this.queues[i]!.enqueue(batch, nowMs);
      });
    }
    return this.states();
  }

  /**
   * Current state of every alert: the pending, firing and recently resolved ones, and one
   * `inactive` entry for each rule that has none. JSON-serialisable.
   */
  states(): AlertState[] {
    const states: AlertState[] = [];
    this.rules.forEach((rule, ruleIndex) => {
      let any = false;
      for (const instance of this.instances.values()) {
        if (instance.ruleIndex !== ruleIndex) continue;
        any = true;
        states.push(toState(rule, instance));
      }
      if (!any) {
        const labels = this.alertLabels(rule, {});
        states.push(
          toState(rule, {
            ruleIndex,
            labels,
            fingerprint: fingerprintLabels(labels),
            status: "inactive",
            value: this.lastValues[ruleIndex] ?? null,
            ...(this.lastEvaluatedAt === undefined ? {} : { lastEvaluatedAt: this.lastEvaluatedAt }),
            lastSentMs: [],
          }),
        );
      }
    });
    return states;
  }

  /** What happened to each notifier's deliveries so far. */
  deliveryStats(): DeliveryStats[] {
    return this.queues.map((queue) => ({ ...queue.stats }));
  }

  /**
   * Stops notifying and waits for deliveries in flight, at most `shutdownTimeoutMs`; what is
   * still pending then is aborted. Safe to call twice.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all(this.queues.map((queue) => queue.close(this.shutdownTimeoutMs)));
  }

  private evaluateRule(
    rule: AlertRule,
    ruleIndex: number,
    nowMs: number,
    outbox: AlertNotification[][],
  ): void {
    const observations = observeRule(this.window, rule, nowMs);
    this.lastValues[ruleIndex] = observations[0]?.value ?? null;
    const seen = new Set<string>();
    for (const observation of observations) {
      const key = `${ruleIndex}|${labelSetKey(observation.byLabels)}`;
      seen.add(key);
      let instance = this.instances.get(key);
      if (instance === undefined) {
        if (!observation.breached) continue;
        const labels = this.alertLabels(rule, observation.byLabels);
        instance = {
          ruleIndex,
          labels,
          fingerprint: fingerprintLabels(labels),
          status: "inactive",
          value: null,
          lastSentMs: this.notifiers.map(() => Number.NEGATIVE_INFINITY),
        };
        this.instances.set(key, instance);
      }
      instance.value = observation.value;
      const holding = instance.status === "pending" || instance.status === "firing";
      this.step(rule, key, instance, holding ? observation.held : observation.breached, nowMs, outbox);
    }
    // Alerts whose label set has no data any more: their condition does not hold.
    for (const [key, instance] of this.instances) {
      if (instance.ruleIndex !== ruleIndex || seen.has(key)) continue;
      instance.value = null;
      this.step(rule, key, instance, false, nowMs, outbox);
    }
  }

  private step(
    rule: AlertRule,
    key: string,
    instance: AlertInstance,
    holds: boolean,
    nowMs: number,
    outbox: AlertNotification[][],
  ): void {
    instance.lastEvaluatedAt = nowMs;
    if (holds) {
      instance.lastHeldAt = nowMs;
      if (instance.status === "inactive" || instance.status === "resolved") {
        instance.status = "pending";
        instance.activeAt = nowMs;
        delete instance.firedAt;
        delete instance.resolvedAt;
      }
      if (instance.status === "pending" && nowMs - instance.activeAt! >= rule.forMs) {
        instance.status = "firing";
        instance.firedAt = nowMs;
        instance.lastSentMs.fill(Number.NEGATIVE_INFINITY);
      }
    } else if (instance.status === "pending") {
      this.instances.delete(key);
      return;
    } else if (instance.status === "firing") {
      const heldAgo = nowMs - (instance.lastHeldAt ?? nowMs);
      if (heldAgo >= rule.keepFiringForMs) {
        instance.status = "resolved";
        instance.resolvedAt = nowMs;
        const resolved = toNotification(rule, instance, "resolved", this.generatorURL);
        for (const batch of outbox) batch.push(resolved);
        return;
      }
    } else if (instance.status === "resolved" && nowMs - instance.resolvedAt! >= this.resolvedRetentionMs) {
      this.instances.delete(key);
      return;
    }
    if (instance.status !== "firing") return;
    // Firing: the first notification, then one per repeat interval, per notifier.
    let notification: AlertNotification | undefined;
    this.notifiers.forEach((notifier, i) => {
      const repeatMs = notifier.repeatIntervalMs ?? this.repeatIntervalMs;
      if (nowMs - instance.lastSentMs[i]! < repeatMs) return;
      instance.lastSentMs[i] = nowMs;
      notification ??= toNotification(rule, instance, "firing", this.generatorURL);
      outbox[i]!.push(notification);
    });
  }

  private alertLabels(rule: AlertRule, byLabels: Readonly<Record<string, string>>): Record<string, string> {
    return {
      ...rule.labels,
      ...byLabels,
      alertname: rule.name,
      severity: rule.severity,
      service: this.serviceName,
    };
  }
}
