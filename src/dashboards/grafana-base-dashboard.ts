/**
 * What both Grafana dashboards share besides panels: stable uids, the dashboard settings, the
 * link to the other dashboard, the template variables, and panel ids.
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { variables } from "./grafana-variables.js";

/** Stable dashboard uids: links between the dashboards and users' bookmarks depend on them. */
export const GRAFANA_DASHBOARD_UIDS = Object.freeze({
  overview: "zoran-golden-signals",
  drilldown: "zoran-operation-drilldown",
});

/** A dashboard with the shared settings, a link to `linkUid` and the template variables, without panels. */
export function baseDashboard(options: {
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

/** Gives every panel a unique id, in grid order (the builders leave ids unset). */
export function numberPanels(built: dashboard.Dashboard): dashboard.Dashboard {
  let id = 1;
  for (const panel of built.panels ?? []) {
    panel.id = id++;
  }
  return built;
}
