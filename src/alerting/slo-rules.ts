import type { BurnRateRule, NormalizedSlo, SloConfig } from "./alert-rule.js";
import { formatDuration } from "./duration.js";
import { normalizeSloConfig } from "./normalize-slo.js";

/**
 * The four burn-rate alerts of the Google SRE workbook (chapter "Alerting on SLOs", table 5-8),
 * as the share of the error budget each may consume within its long window; the factor follows
 * from the period: `budgetShare * period / longWindow` (14.4, 6, 3 and 1 for 30 days).
 */
export const BURN_RATE_WINDOWS = Object.freeze([
  { severity: "page", longWindowMs: 3_600_000, shortWindowMs: 300_000, budgetShare: 0.02 },
  { severity: "page", longWindowMs: 21_600_000, shortWindowMs: 1_800_000, budgetShare: 0.05 },
  { severity: "ticket", longWindowMs: 86_400_000, shortWindowMs: 7_200_000, budgetShare: 0.1 },
  { severity: "ticket", longWindowMs: 259_200_000, shortWindowMs: 21_600_000, budgetShare: 0.1 },
] as const);

/** Alert name of the burn-rate alerts (told apart by the `slo` and `long_window` labels). */
export const BURN_RATE_ALERT_NAME = "ZoranErrorBudgetBurn";

/**
 * The multi-window, multi-burn-rate alerts for one SLO: pages at 1h/5m (14.4x) and 6h/30m (6x),
 * tickets at 1d/2h (3x) and 3d/6h (1x) for a 30-day period. An SLO as written by hand is
 * validated first (a `RuleValidationError` names the bad field).
 *
 * @example
 * const rules = sloRules({ name: "availability", objective: 0.99, signal: "errors", period: "30d" });
 */
export function sloRules(
  sloOrConfig: SloConfig | NormalizedSlo,
  options: { runbookUrl?: string; labels?: Record<string, string> } = {},
): BurnRateRule[] {
  const normalized = "periodMs" in sloOrConfig;
  const slo = normalized ? sloOrConfig : normalizeSloConfig(sloOrConfig);
  const runbookUrl = options.runbookUrl ?? (normalized ? undefined : sloOrConfig.runbookUrl);
  const extraLabels = options.labels ?? (normalized ? undefined : sloOrConfig.labels);
  const budget = 1 - slo.objective;
  const what = slo.signal === "errors" ? "errors" : `requests slower than ${slo.latencyThreshold} s`;
  return BURN_RATE_WINDOWS.map((window) => {
    const factor = Number(((window.budgetShare * slo.periodMs) / window.longWindowMs).toPrecision(6));
    const long = formatDuration(window.longWindowMs);
    const short = formatDuration(window.shortWindowMs);
    return {
      kind: "burn_rate",
      name: BURN_RATE_ALERT_NAME,
      slo,
      factor,
      longWindowMs: window.longWindowMs,
      shortWindowMs: window.shortWindowMs,
      forMs: 0,
      keepFiringForMs: 0,
      severity: window.severity,
      by: [],
      labels: { ...extraLabels, slo: slo.name, long_window: long, short_window: short },
      annotations: {
        summary: `SLO ${slo.name} burns its error budget ${factor}x too fast (${long}/${short})`,
        description:
          `Share of ${what} is {{ $value | humanize }}x the budget of ${formatRatio(budget)} ` +
          `(objective ${formatRatio(slo.objective)} over ${formatDuration(slo.periodMs)}); ` +
          `at this pace ${Math.round(window.budgetShare * 100)}% of the budget is gone within ${long}.`,
        ...(runbookUrl === undefined ? {} : { runbookUrl }),
      },
    };
  });
}

function formatRatio(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}
