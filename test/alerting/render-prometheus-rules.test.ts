import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadRules } from "../../src/alerting/load-rules.js";
import { renderPrometheusRules } from "../../src/alerting/render-prometheus-rules.js";
import { defaultRuleSet } from "../../src/cli/rules-command.js";

const SHIPPED = join(
  import.meta.dirname,
  "..",
  "..",
  "dashboards",
  "prometheus",
  "zoran-telemetrie.rules.yml",
);
const SHIPPED_NATIVE = join(
  import.meta.dirname,
  "..",
  "..",
  "dashboards",
  "prometheus",
  "zoran-telemetrie.native.rules.yml",
);

interface RuleFile {
  groups: {
    name: string;
    rules: {
      alert?: string;
      record?: string;
      expr: string;
      for?: string;
      keep_firing_for?: string;
      labels?: Record<string, string>;
    }[];
  }[];
}

describe("renderPrometheusRules", () => {
  it("keeps dashboards/prometheus/zoran-telemetrie.rules.yml equal to the shipped rules (ZORAN_UPDATE_RULES=1 rewrites it)", () => {
    const rendered = renderPrometheusRules(defaultRuleSet());
    if (process.env.ZORAN_UPDATE_RULES === "1") writeFileSync(SHIPPED, rendered);
    const regenerate =
      "regenerate with: npx tsx src/cli/main.ts rules --out dashboards/prometheus/zoran-telemetrie.rules.yml";
    expect(readFileSync(SHIPPED, "utf8"), `rule file drifted: ${regenerate}`).toBe(rendered);
  });

  it("keeps dashboards/prometheus/zoran-telemetrie.native.rules.yml equal to the native-histogram rendering", () => {
    const rendered = renderPrometheusRules(defaultRuleSet(), { nativeHistograms: true });
    if (process.env.ZORAN_UPDATE_RULES === "1") writeFileSync(SHIPPED_NATIVE, rendered);
    const regenerate =
      "regenerate with: npx tsx src/cli/main.ts rules --native-histograms --out dashboards/prometheus/zoran-telemetrie.native.rules.yml";
    expect(readFileSync(SHIPPED_NATIVE, "utf8"), `rule file drifted: ${regenerate}`).toBe(rendered);
  });

  it("reads the native histogram for latency with nativeHistograms: quantiles without le, SLO good share by histogram_fraction", () => {
    const rules = loadRules({
      rules: [{ name: "Slow", signal: "latency", statistic: "p99", threshold: 2, by: ["operation"] }],
      slos: [{ name: "fast", objective: 0.99, signal: "latency", latencyThreshold: 1.28 }],
    });
    const native = parse(renderPrometheusRules(rules, { nativeHistograms: true })) as RuleFile;
    const exprs = native.groups.flatMap((g) => g.rules.map((r) => r.expr));
    expect(exprs.join("\n")).toContain(
      "histogram_quantile(0.99, sum by (job, operation) (rate(zoran_latency_seconds[5m]))) > 2",
    );
    expect(exprs).toContain(
      "1 - histogram_fraction(0, 1.28, sum by (job) (rate(zoran_latency_seconds[1h])))",
    );
    expect(exprs.join("\n")).not.toContain("_bucket");
    // Errors rules do not change.
    const classic = parse(renderPrometheusRules(rules)) as RuleFile;
    expect(classic.groups.flatMap((g) => g.rules.map((r) => r.expr)).join("\n")).toContain(
      "zoran_latency_seconds_bucket",
    );
  });

  it("writes threshold alerts with for, keep_firing_for, severity and a hysteresis hold on ALERTS", () => {
    const file = parse(
      renderPrometheusRules(
        loadRules({
          rules: [
            {
              name: "ChatErrors",
              signal: "errors",
              threshold: 0.1,
              resolveThreshold: 0.05,
              window: "2m",
              for: "1m",
              keepFiringFor: "30s",
              severity: "critical",
              by: ["operation"],
              matchers: { exchange: ["ai_ai", "ai_human"] },
              labels: { team: "ai" },
            },
          ],
        }),
      ),
    ) as RuleFile;
    const [group] = file.groups;
    expect(group!.rules.map((r) => r.record ?? r.alert)).toEqual([
      "job_operation_exchange:zoran_errors:rate2m",
      "job_operation_exchange:zoran_requests:rate2m",
      "job_operation_exchange:zoran_error_ratio:rate2m",
      "ChatErrors",
    ]);
    const alert = group!.rules[3]!;
    expect(alert).toMatchObject({
      for: "1m",
      keep_firing_for: "30s",
      labels: { team: "ai", severity: "critical" },
    });
    const ratio =
      '(sum by (job, operation) (job_operation_exchange:zoran_errors:rate2m{exchange=~"ai_ai|ai_human"}) / ' +
      'sum by (job, operation) (job_operation_exchange:zoran_requests:rate2m{exchange=~"ai_ai|ai_human"}))';
    expect(alert.expr).toContain(`${ratio} > 0.1\n`);
    expect(alert.expr).toContain(
      `${ratio} > 0.05\n  and on (job, operation)\n  ALERTS{alertname="ChatErrors", severity="critical"}`,
    );
  });

  it("writes SLO burn-rate alerts as two-window conditions on recorded ratios", () => {
    const file = parse(
      renderPrometheusRules(loadRules({ slos: [{ name: "chat", objective: 0.999, signal: "errors" }] })),
    ) as RuleFile;
    const [group] = file.groups;
    expect(group!.name).toBe("zoran-telemetrie-slo");
    expect(group!.rules.filter((r) => r.record).map((r) => r.record)).toEqual(
      ["1h", "5m", "6h", "30m", "1d", "2h", "3d", "6h"]
        .filter((w, i, all) => all.indexOf(w) === i)
        .map((w) => `job:zoran_slo_errors_per_request:ratio_rate${w}`),
    );
    const page = group!.rules.find((r) => r.alert && r.labels?.long_window === "1h")!;
    expect(page.expr).toBe(
      '(job:zoran_slo_errors_per_request:ratio_rate1h{slo="chat"} / 0.001 > 14.4)\nand\n' +
        '(job:zoran_slo_errors_per_request:ratio_rate5m{slo="chat"} / 0.001 > 14.4)',
    );
    expect(page.labels).toEqual({ slo: "chat", long_window: "1h", short_window: "5m", severity: "page" });
  });
});
