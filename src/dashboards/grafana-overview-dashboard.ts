import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { PROBE_RESOURCES } from "../signals/label-values.js";
import {
  ERRORS_METRIC,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
} from "../signals/metric-definitions.js";
import { histogramQuantile, maxGauge, ratioOfRates, sumRate } from "../signals/promql.js";
import { baseDashboard, GRAFANA_DASHBOARD_UIDS, numberPanels } from "./grafana-base-dashboard.js";
import {
  ERROR_RATIO_CRITICAL,
  ERROR_RATIO_WARN,
  LATENCY_CRITICAL_SECONDS,
  LATENCY_WARN_SECONDS,
  query,
  SATURATION_CRITICAL,
  SATURATION_WARN,
  stat,
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
import { PROCESS_MATCHERS, SIGNAL_MATCHERS } from "./grafana-variables.js";

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
      errorRatioPanel(
        "Error ratio by service",
        "Failed share of operations per service: summed error rate over summed request rate.",
        "job",
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
