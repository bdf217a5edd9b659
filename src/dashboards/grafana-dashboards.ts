/**
 * The Grafana dashboards shipped under `dashboards/grafana/`, generated from the metric
 * definitions in `src/signals/` with the official builders of `@grafana/grafana-foundation-sdk`
 * (classic dashboard JSON, schemaVersion 42).
 */
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { buildDrilldownDashboard } from "./grafana-drilldown-dashboard.js";
import { buildOverviewDashboard } from "./grafana-overview-dashboard.js";

/** File name of the golden-signals overview dashboard under `dashboards/grafana/`. */
export const GRAFANA_OVERVIEW_FILE = "zoran-golden-signals-overview.json";
/** File name of the per-operation drill-down dashboard under `dashboards/grafana/`. */
export const GRAFANA_DRILLDOWN_FILE = "zoran-operation-drilldown.json";

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
