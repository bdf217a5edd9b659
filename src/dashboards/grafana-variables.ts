/**
 * The template variables of the Grafana dashboards (data source, then the label filters) and
 * the data source reference and label matchers that every panel's query uses to read them.
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { REQUESTS_METRIC } from "../signals/metric-definitions.js";
import type { LabelMatchers } from "../signals/promql.js";

/** Name of the Prometheus data source template variable that every panel and query uses. */
export const DATASOURCE_VARIABLE = "datasource";

/** Template variables that filter the golden-signal series, in the order the dashboards show them. */
export const FILTER_VARIABLES = Object.freeze(["job", "instance", "operation", "exchange"] as const);

/** The Prometheus data source of every panel and query: the one the `datasource` variable picks. */
export const PROMETHEUS = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` };

/** Matchers of the series that carry `operation` and `exchange` (everything but saturation). */
export const SIGNAL_MATCHERS: LabelMatchers = Object.freeze(
  Object.fromEntries(FILTER_VARIABLES.map((name) => [name, `$${name}`])),
);
/** Saturation is per process: it has only `resource`, besides `job` and `instance`. */
export const PROCESS_MATCHERS: LabelMatchers = Object.freeze({ job: "$job", instance: "$instance" });

/** Adds the data source variable, then one multi-value filter variable per `FILTER_VARIABLES` name. */
export function variables(builder: dashboard.DashboardBuilder): dashboard.DashboardBuilder {
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
