/**
 * The Kibana saved objects shipped under `dashboards/kibana/`: a data view over the OpenTelemetry
 * metrics data stream, one Lens visualization per panel and the golden-signals overview dashboard,
 * as the NDJSON that `POST /api/saved_objects/_import` takes.
 */
import { PROBE_RESOURCES } from "../signals/label-values.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "../signals/metric-definitions.js";
import { counterRate, lensLineChart, maxOf, percentile, rateRatio } from "./kibana-lens.js";
import {
  attributeField,
  metricField,
  OTEL_METRICS_INDEX_PATTERN,
  SERVICE_FIELD,
  TIMESTAMP_FIELD,
} from "./otel-elasticsearch-fields.js";

/** File name of the NDJSON under `dashboards/kibana/`. */
export const KIBANA_SAVED_OBJECTS_FILE = "zoran-golden-signals-overview.ndjson";

/** Ids of the saved objects: stable, so a re-import overwrites instead of duplicating. */
export const KIBANA_IDS = Object.freeze({
  dataView: "zoran-telemetrie-otel-metrics",
  dashboard: "zoran-golden-signals-overview",
});

// Versions the objects are written in. Kibana migrates older objects up on import and refuses
// newer ones, so these are the oldest versions whose shape we emit: core 8.8.0 (the last core
// migration), data views unchanged since 8.0.0, Lens `formBased` state and dashboards as of 8.9.0.
// The `otel` data streams need Elasticsearch 8.16 or later anyway.
const CORE_MIGRATION_VERSION = "8.8.0";
const TYPE_MIGRATION_VERSIONS = Object.freeze({
  "index-pattern": "8.0.0",
  lens: "8.9.0",
  dashboard: "8.9.0",
});

/** One saved object, as a line of an export file. */
export interface KibanaSavedObject {
  readonly type: keyof typeof TYPE_MIGRATION_VERSIONS;
  readonly id: string;
  readonly attributes: object;
  readonly references: readonly object[];
  readonly coreMigrationVersion: string;
  readonly typeMigrationVersion: string;
  readonly managed: boolean;
}

function savedObject(
  type: KibanaSavedObject["type"],
  id: string,
  body: { attributes: object; references: object[] },
): KibanaSavedObject {
  return {
    type,
    id,
    attributes: body.attributes,
    references: body.references,
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    typeMigrationVersion: TYPE_MIGRATION_VERSIONS[type],
    managed: false,
  };
}

function dataView(): KibanaSavedObject {
  return savedObject("index-pattern", KIBANA_IDS.dataView, {
    attributes: {
      title: OTEL_METRICS_INDEX_PATTERN,
      name: "zoran-telemetrie metrics (OpenTelemetry)",
      timeFieldName: TIMESTAMP_FIELD,
      // Importable before the first metric arrives; Kibana reads the fields from the mapping later.
      allowNoIndex: true,
    },
    references: [],
  });
}

const PER_SECOND = { id: "number", params: { decimals: 2, suffix: " /s" } } as const;
const SECONDS = { id: "number", params: { decimals: 3, suffix: " s" } } as const;
const PERCENT = { id: "percent", params: { decimals: 1 } } as const;

/** The overview panels: one Lens line chart each, with its grid width. */
function panels(): { id: string; width: number; chart: ReturnType<typeof lensLineChart> }[] {
  const base = { dataViewId: KIBANA_IDS.dataView, timeField: TIMESTAMP_FIELD };
  const requests = metricField(REQUESTS_METRIC);
  const errors = metricField(ERRORS_METRIC);
  const latency = metricField(LATENCY_METRIC);
  return [
    {
      id: "zoran-lens-request-rate",
      width: 24,
      chart: lensLineChart({
        ...base,
        title: "Request rate by service",
        yTitle: "requests / s",
        description: "Operations per second, summed over instances.",
        metrics: [counterRate("requests", "Requests / s", requests, PER_SECOND)],
        breakdownField: SERVICE_FIELD,
      }),
    },
    {
      id: "zoran-lens-error-ratio",
      width: 24,
      chart: lensLineChart({
        ...base,
        title: "Error ratio by service",
        yTitle: "errors per request",
        description: "Failed share of operations: summed error rate over summed request rate.",
        metrics: [rateRatio("ratio", "Error ratio", errors, requests)],
        breakdownField: SERVICE_FIELD,
      }),
    },
    {
      id: "zoran-lens-errors-by-type",
      width: 24,
      chart: lensLineChart({
        ...base,
        title: "Errors per second by error type",
        yTitle: "errors / s",
        description: "Failed operations per second, by error type.",
        metrics: [counterRate("errors", "Errors / s", errors, PER_SECOND)],
        breakdownField: attributeField("error_type"),
      }),
    },
    {
      id: "zoran-lens-latency",
      width: 24,
      chart: lensLineChart({
        ...base,
        title: "Latency p50 / p95 / p99",
        yTitle: "seconds",
        description:
          "Percentiles of the merged latency histograms of every instance (needs delta histograms: see docs/dashboards.md).",
        metrics: [50, 95, 99].map((p) => percentile(`p${p}`, latency, p, SECONDS)),
      }),
    },
    {
      id: "zoran-lens-tokens",
      width: 24,
      chart: lensLineChart({
        ...base,
        title: "Tokens per second, in / out",
        yTitle: "tokens / s",
        description: "Tokens exchanged with models, by direction.",
        metrics: [counterRate("tokens", "Tokens / s", metricField(TOKENS_METRIC), PER_SECOND)],
        breakdownField: attributeField("direction"),
      }),
    },
    {
      id: "zoran-lens-bytes",
      width: 24,
      chart: lensLineChart({
        ...base,
        title: "Bytes per second, in / out",
        yTitle: "bytes / s",
        description: "Size of the exchanges, by direction.",
        metrics: [
          counterRate("bytes", "Bytes / s", metricField(EXCHANGE_SIZE_METRIC), { id: "bytes", params: {} }),
        ],
        breakdownField: attributeField("direction"),
      }),
    },
    {
      id: "zoran-lens-saturation",
      width: 48,
      chart: lensLineChart({
        ...base,
        title: `Saturation (${PROBE_RESOURCES.join(", ")})`,
        yTitle: "share in use",
        description: "Highest share in use of each resource over the instances.",
        metrics: [maxOf("saturation", "Saturation", metricField(SATURATION_METRIC), PERCENT)],
        breakdownField: attributeField("resource"),
      }),
    },
  ];
}

function overviewDashboard(lens: ReturnType<typeof panels>): KibanaSavedObject {
  let x = 0;
  let y = 0;
  const height = 15;
  const panelsJson = lens.map((panel, index) => {
    // Kibana's grid is 48 columns wide: two half-width panels per row.
    if (x + panel.width > 48) {
      x = 0;
      y += height;
    }
    const panelIndex = String(index + 1);
    const entry = {
      type: "lens",
      panelIndex,
      gridData: { x, y, w: panel.width, h: height, i: panelIndex },
      embeddableConfig: { enhancements: {} },
      panelRefName: `panel_${panelIndex}`,
    };
    x += panel.width;
    return entry;
  });
  return savedObject("dashboard", KIBANA_IDS.dashboard, {
    attributes: {
      title: "Zoran / Golden signals overview",
      description:
        "Latency, errors, traffic and saturation of AI services instrumented with zoran-telemetrie (OpenTelemetry Collector, Elasticsearch exporter, otel mapping).",
      panelsJSON: JSON.stringify(panelsJson),
      optionsJSON: JSON.stringify({
        useMargins: true,
        syncColors: false,
        syncCursor: true,
        syncTooltips: false,
        hidePanelTitles: false,
      }),
      timeRestore: true,
      timeFrom: "now-1h",
      timeTo: "now",
      refreshInterval: { pause: false, value: 30_000 },
      version: 1,
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: "", language: "kuery" }, filter: [] }),
      },
    },
    references: lens.map((panel, index) => ({
      type: "lens",
      id: panel.id,
      name: `${index + 1}:panel_${index + 1}`,
    })),
  });
}

/**
 * The Kibana saved objects of the golden-signals overview as NDJSON (one object per line,
 * referenced objects first), ready for `POST /api/saved_objects/_import`.
 *
 * @example
 * writeFileSync("overview.ndjson", buildKibanaSavedObjects());
 */
export function buildKibanaSavedObjects(): string {
  const lens = panels();
  const objects = [
    dataView(),
    ...lens.map((panel) => savedObject("lens", panel.id, panel.chart)),
    overviewDashboard(lens),
  ];
  return `${objects.map((object) => JSON.stringify(object)).join("\n")}\n`;
}
