/**
 * `zoran-telemetrie/dashboards`: the Grafana dashboards, Grafana provisioning files and Kibana
 * saved objects generated from the golden-signal definitions.
 */
export { GRAFANA_DASHBOARD_UIDS } from "./grafana-base-dashboard.js";
export {
  buildGrafanaDashboards,
  GRAFANA_DRILLDOWN_FILE,
  GRAFANA_OVERVIEW_FILE,
} from "./grafana-dashboards.js";
export { buildDrilldownDashboard } from "./grafana-drilldown-dashboard.js";
export { buildOverviewDashboard } from "./grafana-overview-dashboard.js";
export { buildGrafanaProvisioning } from "./grafana-provisioning.js";
export type { KibanaSavedObject } from "./kibana-saved-objects.js";
export { buildKibanaSavedObjects, KIBANA_IDS, KIBANA_SAVED_OBJECTS_FILE } from "./kibana-saved-objects.js";
export { OTEL_METRICS_DATA_STREAM, OTEL_METRICS_INDEX_PATTERN } from "./otel-elasticsearch-fields.js";
export type { DashboardSelection, WriteDashboardsOptions } from "./write-dashboards.js";
export { renderDashboardFiles, writeDashboards } from "./write-dashboards.js";
