import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { LATENCY_METRIC, REQUESTS_METRIC } from "../signals/metric-definitions.js";
import { histogramQuantile, sumRate } from "../signals/promql.js";
import { baseDashboard, GRAFANA_DASHBOARD_UIDS, numberPanels } from "./grafana-base-dashboard.js";
import {
  LATENCY_CRITICAL_SECONDS,
  LATENCY_WARN_SECONDS,
  query,
  thresholds,
  timeseries,
} from "./grafana-panels.js";
import {
  errorRatioPanel,
  errorTypePanel,
  genAiPanels,
  latencyHeatmap,
  latencyQuantiles,
  trafficPanels,
} from "./grafana-signal-panels.js";
import { SIGNAL_MATCHERS } from "./grafana-variables.js";

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
    .withPanel(errorRatioPanel("Error ratio by operation", "Failed share of each operation.", "operation"))
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
