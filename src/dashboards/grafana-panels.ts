/**
 * The panel primitives of the Grafana dashboards: thresholds, a Prometheus query, a time-series
 * panel and a stat panel, with the warning and critical levels the panels share.
 */
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { LATENCY_BOUNDS_SECONDS } from "../signals/metric-definitions.js";
import { PROMETHEUS } from "./grafana-variables.js";

// Thresholds sit on latency bucket bounds (2.56 s and 10.24 s), where a quantile estimated from
// the buckets is least interpolated.
/** Latency from which a panel turns orange, in seconds. */
export const LATENCY_WARN_SECONDS = LATENCY_BOUNDS_SECONDS[8] ?? 2.56;
/** Latency from which a panel turns red, in seconds. */
export const LATENCY_CRITICAL_SECONDS = LATENCY_BOUNDS_SECONDS[10] ?? 10.24;
/** Error ratio (0..1) from which a panel turns orange. */
export const ERROR_RATIO_WARN = 0.01;
/** Error ratio (0..1) from which a panel turns red. */
export const ERROR_RATIO_CRITICAL = 0.05;
/** Saturation ratio (0..1) from which a panel turns orange. */
export const SATURATION_WARN = 0.7;
/** Saturation ratio (0..1) from which a panel turns red. */
export const SATURATION_CRITICAL = 0.9;

/** Green below `warn`, orange from `warn`, red from `critical` (absolute values). */
export function thresholds(warn: number, critical: number): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: "green" },
    { value: warn, color: "orange" },
    { value: critical, color: "red" },
  ]);
}

/** A PromQL target on the dashboard's Prometheus data source. */
export function query(expr: string, legendFormat: string, refId = "A"): DataqueryBuilder {
  return new DataqueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legendFormat).refId(refId);
}

/** How a time-series panel's legend sums each line up. */
export type LegendCalcs = "last-max" | "last-max-mean";

/**
 * A time-series panel: a legend as a table with the last and highest value of each line (and the
 * mean where an average means something: rates and saturation, not quantiles or ratios), sorted
 * by the last value, and a tooltip listing every line at the hovered time, highest first.
 */
export function timeseries(
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

/** A stat panel showing the last value of `expr`, a quarter of the dashboard wide. */
export function stat(title: string, description: string, unit: string, expr: string): StatPanelBuilder {
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
