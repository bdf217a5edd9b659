/**
 * Checks of the fields that threshold rules and SLOs share. Each reports mistakes through an
 * {@link Issue} callback instead of throwing, so a rule file is checked in one pass.
 */
import { ERROR_TYPES, EXCHANGES } from "../signals/label-values.js";
import type { LabelMatcher } from "../window/label-matcher.js";
import type { AlertAnnotations } from "./alert-rule.js";
import { describeValue } from "./describe-value.js";
import { parseDuration } from "./duration.js";

/** Reports one mistake in the field named. */
export type Issue = (field: string, message: string) => void;

/** Labels a rule may match on or alert by. */
export const MATCHABLE_LABELS: readonly string[] = Object.freeze([
  "operation",
  "exchange",
  "error_type",
  "resource",
  "direction",
]);

/** Alert names: letters, digits and `_`, not starting with a digit. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Prometheus label names. */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Milliseconds of a duration field (`"5m"` or ms); reports the field when it is not one. */
export function durationField(
  value: unknown,
  field: string,
  issue: Issue,
  options: { positive?: boolean } = {},
): number {
  const ms = parseDuration(value);
  if (ms === undefined) {
    issue(field, `not a duration: ${describeValue(value)} (use e.g. "30s", "5m", "1h", or milliseconds)`);
    return 0;
  }
  if (options.positive && ms <= 0) issue(field, "must be longer than 0");
  return ms;
}

/** A non-empty string field. */
export function stringField(value: unknown, field: string, issue: Issue): string {
  if (typeof value === "string" && value !== "") return value;
  // Never String(value): a Symbol or a null-prototype object throws a TypeError there.
  issue(field, `must be a non-empty string, got ${describeValue(value)}`);
  return "";
}

/** An absolute URL field (runbook links). */
export function urlField(value: unknown, field: string, issue: Issue): void {
  if (typeof value !== "string" || !URL.canParse(value))
    issue(field, `must be an absolute URL, got ${describeValue(value)}`);
}

/** Label matchers: known labels only, closed label sets checked (`exchange`, `error_type`). */
export function matchersField(value: unknown, field: string, issue: Issue): LabelMatcher {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    issue(field, "must be an object of label: value (or list of values)");
    return {};
  }
  const matchers: Record<string, string | readonly string[]> = {};
  for (const [label, wanted] of Object.entries(value)) {
    const at = `${field}.${label}`;
    if (!MATCHABLE_LABELS.includes(label)) {
      issue(at, `unknown label (expected ${MATCHABLE_LABELS.join(", ")})`);
      continue;
    }
    const values = typeof wanted === "string" ? [wanted] : wanted;
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      !values.every((v) => typeof v === "string" && v !== "")
    ) {
      issue(at, "must be a non-empty string or list of strings");
      continue;
    }
    const closedSet: readonly string[] | undefined =
      label === "exchange" ? EXCHANGES : label === "error_type" ? ERROR_TYPES : undefined;
    const unknown = closedSet === undefined ? undefined : values.find((v) => !closedSet.includes(v));
    if (unknown !== undefined)
      issue(at, `unknown value ${describeValue(unknown)} (expected ${closedSet!.join(", ")})`);
    matchers[label] = typeof wanted === "string" ? wanted : [...values];
  }
  return matchers;
}

/** The `by` list: labels among {@link MATCHABLE_LABELS}. */
export function byField(value: unknown, issue: Issue): string[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    !value.every((label) => typeof label === "string" && MATCHABLE_LABELS.includes(label))
  ) {
    issue("by", `must be a list of labels among ${MATCHABLE_LABELS.join(", ")}`);
    return [];
  }
  return [...value];
}

/** Extra alert labels: valid names, string values, not `alertname` or `severity`. */
export function labelsField(value: unknown, issue: Issue): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    issue("labels", "must be an object of label: value");
    return {};
  }
  const labels: Record<string, string> = {};
  for (const [name, labelValue] of Object.entries(value)) {
    if (!LABEL_NAME_PATTERN.test(name) || name.startsWith("__"))
      issue(`labels.${name}`, "not a valid label name");
    else if (name === "alertname" || name === "severity") issue(`labels.${name}`, `set by the rule itself`);
    else if (typeof labelValue !== "string") issue(`labels.${name}`, "must be a string");
    else labels[name] = labelValue;
  }
  return labels;
}

/** Annotations: `summary`, `description`, `runbookUrl` (an absolute URL). */
export function annotationsField(value: unknown, issue: Issue): AlertAnnotations {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    issue("annotations", "must be an object with summary, description, runbookUrl");
    return {};
  }
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (key !== "summary" && key !== "description" && key !== "runbookUrl") {
      issue(`annotations.${key}`, "unknown field (expected summary, description, runbookUrl)");
    } else if (typeof raw[key] !== "string") {
      issue(`annotations.${key}`, "must be a string");
    }
  }
  if (raw.runbookUrl !== undefined) urlField(raw.runbookUrl, "annotations.runbookUrl", issue);
  return { ...(raw as AlertAnnotations) };
}
