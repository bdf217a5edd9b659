/**
 * The Grafana dashboards shipped under `dashboards/grafana/`, generated from the metric
 * definitions in `src/signals/` with the official builders of `@grafana/grafana-foundation-sdk`
 * (classic dashboard JSON, schemaVersion 42).
 */
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import {
  PanelBuilder as HeatmapPanelBuilder,
  YAxisConfigBuilder,
} from "@grafana/grafana-foundation-sdk/heatmap";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { GEN_AI_METRIC_NAMES } from "../signals/gen-ai-metric-definitions.js";
import { PROBE_RESOURCES } from "../signals/label-values.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REFUSALS_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
  TOKENS_METRIC,
} from "../signals/metric-definitions.js";
import {
  bucketIncrease,
  histogramQuantile,
  type LabelMatchers,
  maxGauge,
  nativeHistogramQuantile,
  ratioOfRates,
  sumRate,
  tokensByModel,
} from "../signals/promql.js";

/** File name of the golden-signals overview dashboard under `dashboards/grafana/`. */
export const GRAFANA_OVERVIEW_FILE = "zoran-golden-signals-overview.json";
/** File name of the per-operation drill-down dashboard under `dashboards/grafana/`. */
export const GRAFANA_DRILLDOWN_FILE = "zoran-operation-drilldown.json";

/** Stable dashboard uids: links between the dashboards and users' bookmarks depend on them. */
export const GRAFANA_DASHBOARD_UIDS = Object.freeze({
  overview: "zoran-golden-signals",
  drilldown: "zoran-operation-drilldown",
});

/** Name of the Prometheus data source template variable that every panel and query uses. */
export const DATASOURCE_VARIABLE = "datasource";

/** Template variables that filter the golden-signal series, in the order the dashboards show them. */
export const FILTER_VARIABLES = Object.freeze(["job", "instance", "operation", "exchange"] as const);

const PROMETHEUS = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` };

/**
 * `gen_ai.client.token.usage` on Prometheus: the OpenTelemetry-to-Prometheus name of the GenAI
 * semantic-convention histogram (dots to underscores; `{token}` is an annotation, so no unit
 * suffix). Its `_sum` counts tokens.
 */
const GEN_AI_TOKEN_USAGE_SUM = `${GEN_AI_METRIC_NAMES.tokenUsage.replaceAll(".", "_")}_sum`;

// Thresholds sit on latency bucket bounds (2.56 s and 10.24 s), where a quantile estimated from
// the buckets is least interpolated.
const LATENCY_WARN_SECONDS = LATENCY_BOUNDS_SECONDS[8] ?? 2.56;
const LATENCY_CRITICAL_SECONDS = LATENCY_BOUNDS_SECONDS[10] ?? 10.24;
const ERROR_RATIO_WARN = 0.01;
const ERROR_RATIO_CRITICAL = 0.05;
const SATURATION_WARN = 0.7;
const SATURATION_CRITICAL = 0.9;
const QUANTILES = [0.5, 0.95, 0.99] as const;

/** Matchers of the series that carry `operation` and `exchange` (everything but saturation). */
const SIGNAL_MATCHERS: LabelMatchers = Object.freeze(
  Object.fromEntries(FILTER_VARIABLES.map((name) => [name, `$${name}`])),
);
/** Saturation is per process: it has only `resource`, besides `job` and `instance`. */
const PROCESS_MATCHERS: LabelMatchers = Object.freeze({ job: "$job", instance: "$instance" });

function thresholds(warn: number, critical: number): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: "green" },
    { value: warn, color: "orange" },
    { value: critical, color: "red" },
  ]);
}

function query(expr: string, legendFormat: string, refId = "A"): DataqueryBuilder {
  return new DataqueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legendFormat).refId(refId);
}

/** How a time-series panel's legend sums each line up. */
type LegendCalcs = "last-max" | "last-max-mean";

/**
 * A time-series panel: a legend as a table with the last and highest value of each line (and the
 * mean where an average means something: rates and saturation, not quantiles or ratios), sorted
 * by the last value, and a tooltip listing every line at the hovered time, highest first.
 */
function timeseries(
  title: string,
  description: string,
  unit: string,
  calcs: LegendCalcs = "last-max",
): TimeseriesPanelBuilder {
  return new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .min(0)
    .fillOpacity(10)
    .span(12)
    .height(9)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(calcs === "last-max" ? ["lastNotNull", "max"] : ["lastNotNull", "max", "mean"])
        .sortBy("Last *")
        .sortDesc(true),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    );
}

function stat(title: string, description: string, unit: string, expr: string): StatPanelBuilder {
  return (
    new StatPanelBuilder()
      .title(title)
      .description(description)
      .datasource(PROMETHEUS)
      .unit(unit)
      .span(6)
      .height(4)
      // A range query: the stat shows the last value over a sparkline of the time range.
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
      .withTarget(query(expr, ""))
  );
}

function variables(builder: dashboard.DashboardBuilder): dashboard.DashboardBuilder {
  builder.withVariable(
    new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE).label("Data source").type("prometheus"),
  );
  const requests = REQUESTS_METRIC.promName;
  const upstream: string[] = [];
  for (const name of FILTER_VARIABLES) {
    // Each variable lists the values left by the ones before it (job narrows instance, ...).
    const scope = upstream.length === 0 ? "" : `{${upstream.map((u) => `${u}=~"$${u}"`).join(", ")}}`;
    const definition = `label_values(${requests}${scope}, ${name})`;
    builder.withVariable(
      new dashboard.QueryVariableBuilder(name)
        .label(name)
        .datasource(PROMETHEUS)
        .query(definition)
        .definition(definition)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        // "All" becomes `.*`, not an alternation of every value: the queries stay short.
        .allValue(".*")
        .current({ selected: true, text: "All", value: "$__all" }),
    );
    upstream.push(name);
  }
  return builder;
}

function baseDashboard(options: {
  title: string;
  uid: string;
  description: string;
  linkTitle: string;
  linkUid: string;
}): dashboard.DashboardBuilder {
  const builder = new dashboard.DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags(["zoran-telemetrie", "golden-signals", "generated"])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: "now-1h", to: "now" })
    .refresh("30s")
    .timezone("browser")
    .link(
      new dashboard.DashboardLinkBuilder(options.linkTitle)
        .type(dashboard.DashboardLinkType.Link)
        .url(`/d/${options.linkUid}`)
        .icon("dashboard")
        .tooltip(options.linkTitle)
        .includeVars(true)
        .keepTime(true),
    );
  return variables(builder);
}

/**
 * Latency p50 / p95 / p99 from the classic buckets, with exemplars (the trace of a slow request
 * one click away, with a tracing data source linked to `trace_id`), or from the native
 * histograms (`native`: any quantile to within a few percent, docs/formats.md).
 */
function latencyQuantiles(
  by: readonly string[],
  legendPrefix: string,
  native = false,
): TimeseriesPanelBuilder {
  const panel = timeseries(
    native ? "Latency p50 / p95 / p99 (native histograms)" : "Latency p50 / p95 / p99",
    native
      ? "Quantiles of the merged native (exponential) latency histogram of every selected instance. Needs nativeHistograms: true in the collector and Prometheus with --enable-feature=native-histograms; empty otherwise."
      : "Quantiles of the merged latency distribution of every selected instance: histogram_quantile over summed bucket rates. Dots are exemplars: a request's trace, from a sampled span.",
    "s",
  ).thresholds(thresholds(LATENCY_WARN_SECONDS, LATENCY_CRITICAL_SECONDS));
  QUANTILES.forEach((quantile, index) => {
    const options = { matchers: SIGNAL_MATCHERS, by, quantile };
    const expr = native
      ? nativeHistogramQuantile(LATENCY_METRIC, options)
      : histogramQuantile(LATENCY_METRIC, options);
    const target = query(expr, `${legendPrefix} p${quantile * 100}`, String.fromCharCode(65 + index));
    // Exemplars sit on the `_bucket` samples the classic query reads.
    panel.withTarget(native ? target : target.exemplar(true));
  });
  return panel;
}

function latencyHeatmap(): HeatmapPanelBuilder {
  return new HeatmapPanelBuilder()
    .title("Latency distribution")
    .description("Operations per latency bucket and time step, all selected instances together.")
    .datasource(PROMETHEUS)
    .span(12)
    .height(8)
    .calculate(false)
    .yAxis(new YAxisConfigBuilder().unit("s"))
    .withTarget(
      query(bucketIncrease(LATENCY_METRIC, { matchers: SIGNAL_MATCHERS }), "{{le}}").format(
        PromQueryFormat.Heatmap,
      ),
    );
}

function trafficPanels(by: readonly string[], legend: string): TimeseriesPanelBuilder[] {
  return [
    timeseries(
      "Tokens per second, in / out",
      "Tokens exchanged with models, by direction.",
      "suffix: tok/s",
      "last-max-mean",
    ).withTarget(query(sumRate(TOKENS_METRIC.promName, { matchers: SIGNAL_MATCHERS, by }), legend)),
    timeseries(
      "Bytes per second, in / out",
      "Size of the exchanges, by direction.",
      "Bps",
      "last-max-mean",
    ).withTarget(query(sumRate(EXCHANGE_SIZE_METRIC.promName, { matchers: SIGNAL_MATCHERS, by }), legend)),
  ];
}

function errorTypePanel(group: string): TimeseriesPanelBuilder {
  return timeseries(
    "Error ratio by error type",
    "Share of operations that failed, split by error type: summed error rate over summed request rate.",
    "percentunit",
  )
    .span(24)
    .thresholds(thresholds(ERROR_RATIO_WARN, ERROR_RATIO_CRITICAL))
    .withTarget(
      query(
        ratioOfRates(ERRORS_METRIC.promName, REQUESTS_METRIC.promName, {
          matchers: SIGNAL_MATCHERS,
          by: [group, "error_type"],
          denominatorBy: [group],
        }),
        `{{${group}}} {{error_type}}`,
      ),
    );
}

/**
 * The AI-exchange panels: tokens by model (the GenAI semantic-convention histogram that
 * `exchange()` and the SDK integrations emit), time to first token of streamed calls, and
 * refusals, per `group` (`job` or `operation`).
 */
function genAiPanels(by: readonly string[], legend: string): TimeseriesPanelBuilder[] {
  const ttft = timeseries(
    "Time to first token p50 / p95",
    "Streamed AI calls: time from the request to the first text or tool-call delta, from the merged distribution.",
    "s",
  );
  (
    [
      [0.5, "A"],
      [0.95, "B"],
    ] as const
  ).forEach(([quantile, refId]) => {
    ttft.withTarget(
      query(
        histogramQuantile(TIME_TO_FIRST_TOKEN_METRIC, { matchers: SIGNAL_MATCHERS, by, quantile }),
        `${legend} p${quantile * 100}`,
        refId,
      ),
    );
  });
  return [
    timeseries(
      "Tokens by model",
      "Tokens per second per model (the response's model, else the requested one) and token type, from gen_ai.client.token.usage.",
      "suffix: tok/s",
      "last-max-mean",
    )
      .span(24)
      .withTarget(
        query(
          tokensByModel(GEN_AI_TOKEN_USAGE_SUM, {
            matchers: PROCESS_MATCHERS,
            by: ["job", "gen_ai_token_type"],
          }),
          "{{job}} {{model}} {{gen_ai_token_type}}",
        ),
      ),
    ttft,
    timeseries(
      "Refusals",
      "Model refusals per second (zoran_refusals_total) and their share of requests.",
      "suffix: /s",
      "last-max-mean",
    )
      .withTarget(
        query(sumRate(REFUSALS_METRIC.promName, { matchers: SIGNAL_MATCHERS, by }), `${legend} refusals/s`),
      )
      .withTarget(
        query(
          ratioOfRates(REFUSALS_METRIC.promName, REQUESTS_METRIC.promName, { matchers: SIGNAL_MATCHERS, by }),
          `${legend} share of requests`,
          "B",
        ),
      )
      .overrideByQuery("B", [
        { id: "unit", value: "percentunit" },
        { id: "custom.axisPlacement", value: "right" },
      ]),
  ];
}

/** Gives every panel a unique id, in grid order (the builders leave ids unset). */
function numberPanels(built: dashboard.Dashboard): dashboard.Dashboard {
  let id = 1;
  for (const panel of built.panels ?? []) {
    panel.id = id++;
  }
  return built;
}

/** The "golden signals overview": every signal per service (`job`), all selected instances summed. */
export function buildOverviewDashboard(): dashboard.Dashboard {
  const requestsPerSecond = sumRate(REQUESTS_METRIC.promName, { matchers: SIGNAL_MATCHERS });
  const errorRatio = ratioOfRates(ERRORS_METRIC.promName, REQUESTS_METRIC.promName, {
    matchers: SIGNAL_MATCHERS,
  });
  const p95 = histogramQuantile(LATENCY_METRIC, { matchers: SIGNAL_MATCHERS, quantile: 0.95 });
  const busiest = maxGauge(SATURATION_METRIC.promName, { matchers: PROCESS_MATCHERS });

  const builder = baseDashboard({
    title: "Zoran / Golden signals overview",
    uid: GRAFANA_DASHBOARD_UIDS.overview,
    description:
      "Latency, errors, traffic and saturation of AI services instrumented with zoran-telemetrie, per service (job).",
    linkTitle: "Per-operation drill-down",
    linkUid: GRAFANA_DASHBOARD_UIDS.drilldown,
  })
    .withRow(new dashboard.RowBuilder("Summary"))
    .withPanel(
      stat("Request rate", "Operations per second, all selected instances.", "reqps", requestsPerSecond),
    )
    .withPanel(
      stat("Error ratio", "Failed share of operations.", "percentunit", errorRatio).thresholds(
        thresholds(ERROR_RATIO_WARN, ERROR_RATIO_CRITICAL),
      ),
    )
    .withPanel(
      stat("Latency p95", "95th percentile of the merged latency distribution.", "s", p95).thresholds(
        thresholds(LATENCY_WARN_SECONDS, LATENCY_CRITICAL_SECONDS),
      ),
    )
    .withPanel(
      stat(
        "Busiest resource",
        "Highest saturation ratio of any resource on any instance.",
        "percentunit",
        busiest,
      )
        .min(0)
        .max(1)
        .thresholds(thresholds(SATURATION_WARN, SATURATION_CRITICAL)),
    )
    .withRow(new dashboard.RowBuilder("Traffic and errors"))
    .withPanel(
      timeseries(
        "Request rate by service",
        "Operations per second per service, by outcome.",
        "reqps",
        "last-max-mean",
      ).withTarget(
        query(
          sumRate(REQUESTS_METRIC.promName, { matchers: SIGNAL_MATCHERS, by: ["job", "outcome"] }),
          "{{job}} {{outcome}}",
        ),
      ),
    )
    .withPanel(
      timeseries(
        "Error ratio by service",
        "Failed share of operations per service: summed error rate over summed request rate.",
        "percentunit",
      )
        .thresholds(thresholds(ERROR_RATIO_WARN, ERROR_RATIO_CRITICAL))
        .withTarget(
          query(
            ratioOfRates(ERRORS_METRIC.promName, REQUESTS_METRIC.promName, {
              matchers: SIGNAL_MATCHERS,
              by: ["job"],
            }),
            "{{job}}",
          ),
        ),
    )
    .withPanel(errorTypePanel("job"))
    .withRow(new dashboard.RowBuilder("Latency"))
    .withPanel(latencyQuantiles(["job"], "{{job}}"))
    .withPanel(latencyHeatmap())
    .withPanel(latencyQuantiles(["job"], "{{job}}", true))
    .withRow(new dashboard.RowBuilder("Tokens and bytes"));
  for (const panel of trafficPanels(["job", "direction"], "{{job}} {{direction}}")) builder.withPanel(panel);

  builder.withRow(new dashboard.RowBuilder("AI exchanges (GenAI)"));
  for (const panel of genAiPanels(["job"], "{{job}}")) builder.withPanel(panel);

  builder.withRow(new dashboard.RowBuilder("Saturation"));
  for (const resource of PROBE_RESOURCES) {
    builder.withPanel(
      timeseries(
        `Saturation: ${resource}`,
        `Share of ${resource} in use, per instance.`,
        "percentunit",
        "last-max-mean",
      )
        .span(6)
        .max(1)
        .thresholds(thresholds(SATURATION_WARN, SATURATION_CRITICAL))
        .withTarget(
          query(
            maxGauge(SATURATION_METRIC.promName, {
              matchers: { ...PROCESS_MATCHERS, resource },
              by: ["job", "instance"],
            }),
            "{{job}} {{instance}}",
          ),
        ),
    );
  }
  return numberPanels(builder.build());
}

/** The per-operation drill-down: the same signals split by `operation` (and `exchange`). */
export function buildDrilldownDashboard(): dashboard.Dashboard {
  const builder = baseDashboard({
    title: "Zoran / Operation drill-down",
    uid: GRAFANA_DASHBOARD_UIDS.drilldown,
    description: "Golden signals of each AI operation and exchange kind, all selected instances summed.",
    linkTitle: "Golden signals overview",
    linkUid: GRAFANA_DASHBOARD_UIDS.overview,
  })
    .withRow(new dashboard.RowBuilder("Traffic and errors by operation"))
    .withPanel(
      timeseries(
        "Request rate by operation",
        "Operations per second, by outcome.",
        "reqps",
        "last-max-mean",
      ).withTarget(
        query(
          sumRate(REQUESTS_METRIC.promName, { matchers: SIGNAL_MATCHERS, by: ["operation", "outcome"] }),
          "{{operation}} {{outcome}}",
        ),
      ),
    )
    .withPanel(
      timeseries("Error ratio by operation", "Failed share of each operation.", "percentunit")
        .thresholds(thresholds(ERROR_RATIO_WARN, ERROR_RATIO_CRITICAL))
        .withTarget(
          query(
            ratioOfRates(ERRORS_METRIC.promName, REQUESTS_METRIC.promName, {
              matchers: SIGNAL_MATCHERS,
              by: ["operation"],
            }),
            "{{operation}}",
          ),
        ),
    )
    .withPanel(errorTypePanel("operation"))
    .withRow(new dashboard.RowBuilder("Latency by operation"))
    .withPanel(latencyQuantiles(["operation"], "{{operation}}"))
    .withPanel(
      timeseries("Latency p95 by exchange", "95th percentile per exchange kind (AI-to-AI, AI-to-human).", "s")
        .thresholds(thresholds(LATENCY_WARN_SECONDS, LATENCY_CRITICAL_SECONDS))
        .withTarget(
          query(
            histogramQuantile(LATENCY_METRIC, {
              matchers: SIGNAL_MATCHERS,
              by: ["exchange"],
              quantile: 0.95,
            }),
            "{{exchange}}",
          ),
        ),
    )
    .withPanel(latencyHeatmap())
    .withPanel(latencyQuantiles(["operation"], "{{operation}}", true))
    .withRow(new dashboard.RowBuilder("Tokens and bytes by operation"));
  for (const panel of trafficPanels(["operation", "direction"], "{{operation}} {{direction}}")) {
    builder.withPanel(panel);
  }
  builder.withRow(new dashboard.RowBuilder("AI exchanges by operation (GenAI)"));
  // The GenAI token metric has no `operation`: tokens by model are in the overview only.
  for (const panel of genAiPanels(["operation"], "{{operation}}").slice(1)) builder.withPanel(panel);
  return numberPanels(builder.build());
}

/**
 * Every generated Grafana dashboard, keyed by its file name under `dashboards/grafana/`.
 *
 * @example
 * for (const [file, json] of Object.entries(buildGrafanaDashboards())) writeFileSync(file, JSON.stringify(json));
 */
export function buildGrafanaDashboards(): Record<string, dashboard.Dashboard> {
  return {
    [GRAFANA_OVERVIEW_FILE]: buildOverviewDashboard(),
    [GRAFANA_DRILLDOWN_FILE]: buildDrilldownDashboard(),
  };
}
