/**
 * `zoran-telemetrie/alerting`: alert rules (thresholds and SLO burn rates), the engine that
 * evaluates them over the window store, notifiers, and the Prometheus rule-file renderer.
 */
export type {
  AlertAnnotations,
  AlertRule,
  BurnRateRule,
  Comparison,
  NormalizedSlo,
  SloConfig,
  ThresholdRule,
  ThresholdRuleConfig,
} from "./alert-rule.js";
export type {
  AlertCondition,
  AlertNotification,
  AlertState,
  AlertStatus,
  Notifier,
  NotifyContext,
} from "./alert-state.js";
export { NotifierError } from "./alert-state.js";
export type { AlertingEngineOptions } from "./alerting-engine.js";
export { AlertingEngine } from "./alerting-engine.js";
export type { AlertingOptions } from "./alerting-options.js";
export { DEFAULT_RULE_CONFIGS, DEFAULT_SLOS, defaultRules } from "./default-rules.js";
export type { DeliveryOptions, DeliveryStats } from "./delivery-queue.js";
export type { Duration } from "./duration.js";
export { formatDuration, parseDuration } from "./duration.js";
export type { RuleFileContent } from "./load-rules.js";
export { loadRules } from "./load-rules.js";
export type { AlertmanagerNotifierOptions } from "./notifiers/alertmanager-notifier.js";
export { createAlertmanagerNotifier } from "./notifiers/alertmanager-notifier.js";
export type { ConsoleNotifierOptions } from "./notifiers/console-notifier.js";
export { createConsoleNotifier } from "./notifiers/console-notifier.js";
export type { SlackNotifierOptions } from "./notifiers/slack-notifier.js";
export { createSlackNotifier } from "./notifiers/slack-notifier.js";
export type { WebhookNotifierOptions, WebhookPayload } from "./notifiers/webhook-notifier.js";
export { createWebhookNotifier } from "./notifiers/webhook-notifier.js";
export type { PrometheusRulesOptions } from "./render-prometheus-rules.js";
export { renderPrometheusRules } from "./render-prometheus-rules.js";
export type { RuleIssue } from "./rule-validation-error.js";
export { RuleValidationError } from "./rule-validation-error.js";
export { BURN_RATE_ALERT_NAME, sloRules } from "./slo-rules.js";
