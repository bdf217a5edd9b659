/**
 * Every query of the generated Grafana dashboards aggregates correctly across instances
 * (docs/scaling.md): rates are summed, quantiles come from summed bucket rates, gauges are
 * maxed, and nothing averages a ratio or a quantile. The fleet test checks the values on real
 * engines; this checks the shape of every query, including panels added later.
 */
import { describe, expect, it } from "vitest";
import { buildGrafanaDashboards } from "../../src/dashboards/grafana-dashboards.js";
import {
  LATENCY_METRIC,
  SATURATION_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
} from "../../src/signals/metric-definitions.js";

const queries: { name: string; expr: string }[] = [];
for (const [file, dashboard] of Object.entries(buildGrafanaDashboards())) {
  for (const panel of (dashboard.panels ?? []) as { title?: string; targets?: { expr?: string }[] }[]) {
    for (const target of panel.targets ?? []) {
      if (target.expr !== undefined) queries.push({ name: `${file} > ${panel.title}`, expr: target.expr });
    }
  }
}

describe("Grafana dashboard queries across a fleet", () => {
  it("finds the panels' queries", () => {
    expect(queries.length).toBeGreaterThanOrEqual(20);
  });

  it.each(queries)("$name never averages (a mean of ratios or quantiles is not the fleet's)", ({ expr }) => {
    expect(expr).not.toMatch(/\b(avg|avg_over_time|quantile|quantile_over_time)\s*(by\s*\([^)]*\)\s*)?\(/);
  });

  it.each(queries)("$name sums every rate and increase across instances", ({ expr }) => {
    const windows = [...expr.matchAll(/\b(rate|increase)\(/g)];
    for (const match of windows) {
      const before = expr.slice(0, match.index);
      expect(before, expr).toMatch(/sum(\s+by\s*\([^)]*\))?\s*\($/);
    }
  });

  it.each(
    queries.filter((q) => q.expr.includes("histogram_quantile") && q.expr.includes("_bucket{")),
  )("$name takes the quantile of bucket rates summed by le", ({ expr }) => {
    expect(expr).toMatch(
      new RegExp(
        `^histogram_quantile\\(0\\.\\d+, sum by \\(le(, \\w+)*\\) \\(rate\\((${LATENCY_METRIC.promName}|${TIME_TO_FIRST_TOKEN_METRIC.promName})_bucket\\{`,
      ),
    );
  });

  // A native histogram is one series per label set: summing its rates merges the instances' buckets.
  it.each(
    queries.filter((q) => q.expr.includes("histogram_quantile") && !q.expr.includes("_bucket{")),
  )("$name takes the quantile of the native histogram rates summed across instances", ({ expr }) => {
    expect(expr).toMatch(
      new RegExp(
        `^histogram_quantile\\(0\\.\\d+, sum( by \\([\\w, ]+\\))? \\(rate\\(${LATENCY_METRIC.promName}\\{`,
      ),
    );
  });

  it.each(
    queries.filter((q) => q.expr.includes(SATURATION_METRIC.promName)),
  )("$name shows the busiest instance's saturation (max), not a mean", ({ expr }) => {
    expect(expr).toMatch(new RegExp(`^max( by \\([^)]*\\))? \\(${SATURATION_METRIC.promName}\\{`));
  });
});
