import type { Dashboard as SchemaDashboard } from "@grafana/schema";
import { describe, expect, it } from "vitest";
import { GRAFANA_DASHBOARD_UIDS } from "../../src/dashboards/grafana-base-dashboard.js";
import { buildGrafanaDashboards } from "../../src/dashboards/grafana-dashboards.js";
import { DATASOURCE_VARIABLE } from "../../src/dashboards/grafana-variables.js";
import {
  GOLDEN_SIGNAL_METRICS,
  REFUSALS_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
} from "../../src/signals/metric-definitions.js";

const dashboards = buildGrafanaDashboards();

/**
 * A type as its JSON: enums become their values, methods disappear. The two Grafana type
 * libraries declare their own (nominal) enums, so they only compare once serialized.
 */
type Json<T> = T extends string
  ? `${T}`
  : T extends boolean | null | undefined
    ? T
    : T extends number
      ? number
      : T extends readonly (infer U)[]
        ? Json<U>[]
        : { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: Json<T[K]> };

/** The value as written to disk, typed as such. */
function toJson<T>(value: T): Json<T> {
  return JSON.parse(JSON.stringify(value)) as Json<T>;
}

// Compile-time check (`tsc --noEmit -p .`): the generated dashboards are classic dashboards as
// @grafana/schema types them. Left out: `annotations` and `gnetId`, which the two libraries type
// differently and which the generator never fills (asserted below).
const schemaView: Json<SchemaDashboard>[] = Object.values(dashboards).map(
  ({ annotations: _annotations, gnetId: _gnetId, ...rest }) => toJson(rest),
);
const typed = schemaView as unknown as SchemaDashboard[];

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface PanelLike {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  fieldConfig?: { defaults?: { unit?: string; thresholds?: { steps?: { value: number | null }[] } } };
  options?: {
    legend?: {
      showLegend?: boolean;
      displayMode?: string;
      calcs?: string[];
      sortBy?: string;
      sortDesc?: boolean;
    };
    tooltip?: { mode?: string; sort?: string };
  };
}

function panelsOf(dashboard: SchemaDashboard): PanelLike[] {
  return (dashboard.panels ?? []) as PanelLike[];
}

const dataPanels = typed.flatMap((d) => panelsOf(d).filter((p) => p.type !== "row"));
const exprs = dataPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ""));

describe("buildGrafanaDashboards", () => {
  it("produces the overview and the per-operation drill-down, keyed by file name", () => {
    expect(Object.keys(dashboards).sort()).toEqual([
      "zoran-golden-signals-overview.json",
      "zoran-operation-drilldown.json",
    ]);
    expect(typed.map((d) => d.uid).sort()).toEqual(Object.values(GRAFANA_DASHBOARD_UIDS).sort());
  });

  it("leaves annotations and gnetId unset (the parts the schema type check skips)", () => {
    for (const dashboard of Object.values(dashboards)) {
      expect(dashboard.gnetId).toBeUndefined();
      expect(dashboard.annotations?.list ?? []).toEqual([]);
    }
  });

  it("writes classic dashboard JSON of schemaVersion 39 or later", () => {
    for (const dashboard of typed) expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
  });

  it("offers a Prometheus data source variable and job/instance/operation/exchange filters", () => {
    for (const dashboard of typed) {
      const list = dashboard.templating?.list ?? [];
      expect(list.map((v) => v.name)).toEqual([
        DATASOURCE_VARIABLE,
        "job",
        "instance",
        "operation",
        "exchange",
      ]);
      expect(list[0]).toMatchObject({ type: "datasource", query: "prometheus" });
      for (const variable of list.slice(1)) {
        expect(variable).toMatchObject({ type: "query", multi: true, includeAll: true, allValue: ".*" });
      }
    }
  });

  it("points every panel and query at the data source variable", () => {
    for (const panel of dataPanels) {
      expect(panel.datasource, panel.title).toEqual({
        type: "prometheus",
        uid: `\${${DATASOURCE_VARIABLE}}`,
      });
      for (const target of panel.targets ?? []) expect(target.datasource).toEqual(panel.datasource);
    }
  });

  it("gives every panel a unique id and every query a refId", () => {
    for (const dashboard of typed) {
      const ids = panelsOf(dashboard).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => typeof id === "number" && id > 0)).toBe(true);
    }
    for (const panel of dataPanels) for (const t of panel.targets ?? []) expect(t.refId).toMatch(/^[A-Z]$/);
  });

  it("queries only the families of src/signals (golden signals, AI exchanges, GenAI tokens)", () => {
    const known = new Set(
      [...GOLDEN_SIGNAL_METRICS, REFUSALS_METRIC, TIME_TO_FIRST_TOKEN_METRIC].flatMap((m) => [
        m.promName,
        `${m.promName}_bucket`,
      ]),
    );
    for (const expr of exprs) {
      const names = expr.match(/\b(zoran|gen_ai)_[a-z_]+/g) ?? [];
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) {
        if (name.startsWith("gen_ai_"))
          expect(name, expr).toMatch(
            /^gen_ai_(client_token_usage_sum|request_model|response_model|token_type)$/,
          );
        else expect(known, expr).toContain(name);
      }
    }
  });

  it("shows legends as tables with the last and highest value, and every line in the tooltip", () => {
    const series = dataPanels.filter((p) => p.type === "timeseries");
    expect(series.length).toBeGreaterThanOrEqual(20);
    for (const panel of series) {
      expect(panel.options?.legend, panel.title).toMatchObject({
        showLegend: true,
        displayMode: "table",
        sortBy: "Last *",
        sortDesc: true,
      });
      expect(panel.options?.legend?.calcs?.slice(0, 2), panel.title).toEqual(["lastNotNull", "max"]);
      expect(panel.options?.tooltip, panel.title).toEqual({ mode: "multi", sort: "desc" });
      // A mean of quantiles or of ratios means nothing: only rates and saturation carry one.
      const expr = panel.targets?.[0]?.expr ?? "";
      if (expr.includes("histogram_quantile") || panel.fieldConfig?.defaults?.unit === "percentunit") {
        if (!expr.includes("zoran_saturation_ratio"))
          expect(panel.options?.legend?.calcs, panel.title).not.toContain("mean");
      }
    }
  });

  it("has a GenAI row in the overview: tokens by model, time to first token, refusals", () => {
    const overview = panelsOf(typed.find((d) => d.uid === GRAFANA_DASHBOARD_UIDS.overview)!);
    const row = overview.findIndex((p) => p.type === "row" && p.title === "AI exchanges (GenAI)");
    expect(row).toBeGreaterThan(0);
    const next = overview.slice(
      row + 1,
      overview.findIndex((p, i) => i > row && p.type === "row"),
    );
    expect(next.map((p) => p.title)).toEqual([
      "Tokens by model",
      "Time to first token p50 / p95",
      "Refusals",
    ]);
    const [tokens, ttft, refusals] = next;
    expect(tokens!.targets![0]!.expr).toContain("gen_ai_client_token_usage_sum");
    expect(tokens!.fieldConfig?.defaults?.unit).toBe("suffix: tok/s");
    expect(ttft!.targets!.map((t) => t.expr)).toEqual([
      expect.stringContaining(
        `histogram_quantile(0.5, sum by (le, job) (rate(${TIME_TO_FIRST_TOKEN_METRIC.promName}_bucket`,
      ),
      expect.stringContaining(
        `histogram_quantile(0.95, sum by (le, job) (rate(${TIME_TO_FIRST_TOKEN_METRIC.promName}_bucket`,
      ),
    ]);
    expect(ttft!.fieldConfig?.defaults?.unit).toBe("s");
    expect(refusals!.targets![0]!.expr).toBe(
      `sum by (job) (rate(${REFUSALS_METRIC.promName}{job=~"$job", instance=~"$instance", operation=~"$operation", exchange=~"$exchange"}[$__rate_interval]))`,
    );
  });

  it("aggregates across instances: summed rates, quantiles over summed buckets, no averages", () => {
    for (const expr of exprs) {
      expect(expr).not.toMatch(/\bavg\b/);
      for (const rate of expr.matchAll(/(\w+)(?: by \([^)]*\))? \((?:rate|increase)\(/g)) {
        expect(rate[1], expr).toBe("sum");
      }
      for (const quantile of expr.matchAll(/histogram_quantile\([\d.]+, (\w+) by \(le\b/g)) {
        expect(quantile[1]).toBe("sum");
      }
      // Classic quantiles sum the bucket rates by le; native ones sum the histogram series.
      if (expr.includes("histogram_quantile") && expr.includes("_bucket"))
        expect(expr).toMatch(/histogram_quantile\([\d.]+, sum by \(le/);
      else if (expr.includes("histogram_quantile"))
        expect(expr).toMatch(/^histogram_quantile\([\d.]+, sum by \([^)]*\) \(rate\(zoran_latency_seconds\{/);
    }
  });

  it("asks for exemplars on the classic latency quantiles, and has native-histogram quantile panels in both dashboards", () => {
    for (const board of Object.values(dashboards) as SchemaDashboard[]) {
      const panels = panelsOf(board);
      const classic = panels.filter(
        (p) => p.title?.startsWith("Latency p50 / p95 / p99") && !p.title.includes("native"),
      );
      expect(classic).toHaveLength(1);
      for (const target of classic[0]!.targets ?? []) expect(target).toMatchObject({ exemplar: true });
      const native = panels.find((p) => p.title === "Latency p50 / p95 / p99 (native histograms)");
      expect(native?.targets).toHaveLength(3);
      for (const target of native!.targets ?? []) {
        expect(target.expr).not.toContain("_bucket");
        expect(target.expr).toContain("rate(zoran_latency_seconds{");
      }
    }
  });

  it("computes the error ratio as summed error rate over summed request rate", () => {
    const ratios = exprs.filter((e) => e.includes("zoran_errors_total"));
    expect(ratios.length).toBeGreaterThanOrEqual(5);
    for (const expr of ratios) {
      expect(expr).toMatch(/^\(?sum[^/]*rate\(zoran_errors_total.*\/ .*sum[^/]*\(rate\(zoran_requests_total/);
    }
  });

  it("shows the latency p50, p95 and p99 and a latency heatmap", () => {
    const overview = dashboards["zoran-golden-signals-overview.json"] as SchemaDashboard;
    const quantiles = panelsOf(overview).find((p) => p.title === "Latency p50 / p95 / p99");
    expect(quantiles?.targets?.map((t) => t.expr?.slice(0, 24))).toEqual([
      "histogram_quantile(0.5, ",
      "histogram_quantile(0.95,",
      "histogram_quantile(0.99,",
    ]);
    const heatmap = panelsOf(overview).find((p) => p.type === "heatmap");
    expect(heatmap?.targets?.[0]).toMatchObject({ format: "heatmap", legendFormat: "{{le}}" });
  });

  it("shows the saturation of cpu, memory, event_loop and io", () => {
    const overview = dashboards["zoran-golden-signals-overview.json"] as SchemaDashboard;
    const titles = panelsOf(overview).map((p) => p.title);
    for (const resource of ["cpu", "memory", "event_loop", "io"])
      expect(titles).toContain(`Saturation: ${resource}`);
  });

  it("sets units by signal and thresholds on latency, error ratio and saturation", () => {
    for (const panel of dataPanels) {
      const unit = panel.fieldConfig?.defaults?.unit;
      const expr = panel.targets?.[0]?.expr ?? "";
      if (panel.type === "heatmap") continue;
      if (expr.includes("zoran_errors_total") || expr.includes("zoran_saturation_ratio")) {
        expect(unit, panel.title).toBe("percentunit");
      } else if (expr.includes("histogram_quantile")) {
        expect(unit, panel.title).toBe("s");
      } else if (expr.includes("zoran_requests_total")) {
        expect(unit, panel.title).toBe("reqps");
      } else if (expr.includes("zoran_exchange_size_bytes_total")) {
        expect(unit, panel.title).toBe("Bps");
      }
      if (unit === "percentunit" || (unit === "s" && expr.includes("zoran_latency_seconds"))) {
        const steps = panel.fieldConfig?.defaults?.thresholds?.steps ?? [];
        expect(steps.length, panel.title).toBe(3);
      }
    }
  });
});
