import { describe, expect, it } from "vitest";
import { buildKibanaSavedObjects, KIBANA_IDS } from "../../src/dashboards/kibana-saved-objects.js";
import { GOLDEN_SIGNAL_METRICS, type MetricDefinition } from "../../src/signals/metric-definitions.js";

const ndjson = buildKibanaSavedObjects();
const lines = ndjson.split("\n").filter((line) => line !== "");
const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);

interface Reference {
  type: string;
  id: string;
  name: string;
}
interface LensColumn {
  operationType: string;
  sourceField?: string;
  references?: string[];
  params?: { formula?: string };
}
interface LensAttributes {
  state: {
    datasourceStates: {
      formBased: { layers: Record<string, { columns: Record<string, LensColumn>; columnOrder: string[] }> };
    };
    visualization: {
      layers: { layerId: string; accessors: string[]; xAccessor?: string; splitAccessor?: string }[];
    };
  };
}

/**
 * The documents the OpenTelemetry Collector's Elasticsearch exporter writes in `otel` mapping
 * mode (exporter/elasticsearchexporter, internal/serializer/otelserializer/metrics.go): the time in
 * `@timestamp`, each data point under `metrics.<instrument name>`, its attributes under
 * `attributes.<key>`, the resource's under `resource.attributes.<key>` (ours: service.name and
 * service.instance.id).
 */
const MAPPED_FIELDS = new Set([
  "@timestamp",
  ...GOLDEN_SIGNAL_METRICS.map((m) => `metrics.${m.name}`),
  ...GOLDEN_SIGNAL_METRICS.flatMap((m) => m.labels.map((label) => `attributes.${label}`)),
  "resource.attributes.service.name",
  "resource.attributes.service.instance.id",
]);

function metricKind(field: string): MetricDefinition["kind"] | undefined {
  return GOLDEN_SIGNAL_METRICS.find((m) => `metrics.${m.name}` === field)?.kind;
}

const lensObjects = objects.filter((o) => o.type === "lens");
const columnsOf = (o: Record<string, unknown>) =>
  Object.values((o.attributes as LensAttributes).state.datasourceStates.formBased.layers).flatMap((layer) =>
    Object.values(layer.columns),
  );

describe("buildKibanaSavedObjects", () => {
  it("writes one JSON object per line, ending with a newline", () => {
    expect(ndjson.endsWith("\n")).toBe(true);
    expect(lines.length).toBe(objects.length);
    expect(lines.every((line) => !line.includes("\n"))).toBe(true);
  });

  it("gives every object the fields Kibana's import requires", () => {
    for (const object of objects) {
      expect(Object.keys(object).sort()).toEqual(
        [
          "attributes",
          "coreMigrationVersion",
          "id",
          "managed",
          "references",
          "type",
          "typeMigrationVersion",
        ].sort(),
      );
      expect(typeof object.id).toBe("string");
      expect(Array.isArray(object.references)).toBe(true);
      expect(object.coreMigrationVersion).toMatch(/^8\.\d+\.\d+$/);
      expect(object.typeMigrationVersion).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it("includes the data view, the Lens panels and the overview dashboard, with unique ids", () => {
    expect(objects.map((o) => o.type)).toEqual([
      "index-pattern",
      ...lensObjects.map(() => "lens"),
      "dashboard",
    ]);
    expect(lensObjects.length).toBeGreaterThanOrEqual(6);
    const ids = objects.map((o) => `${o.type}:${o.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(objects[0]).toMatchObject({
      id: KIBANA_IDS.dataView,
      attributes: { title: "metrics-generic.otel-*", timeFieldName: "@timestamp" },
    });
  });

  it("resolves every reference to an object of the file", () => {
    const present = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const object of objects) {
      for (const ref of object.references as Reference[])
        expect(present, ref.name).toContain(`${ref.type}:${ref.id}`);
    }
  });

  it("ties each Lens layer to the data view and each dashboard panel to a reference", () => {
    for (const lens of lensObjects) {
      const layers = Object.keys((lens.attributes as LensAttributes).state.datasourceStates.formBased.layers);
      for (const layerId of layers) {
        expect(lens.references).toContainEqual({
          type: "index-pattern",
          id: KIBANA_IDS.dataView,
          name: `indexpattern-datasource-layer-${layerId}`,
        });
      }
    }
    const dashboard = objects.at(-1)!;
    const panels = JSON.parse((dashboard.attributes as { panelsJSON: string }).panelsJSON) as {
      panelIndex: string;
      panelRefName: string;
      gridData: { x: number; w: number };
    }[];
    const refs = dashboard.references as Reference[];
    expect(panels.length).toBe(lensObjects.length);
    for (const panel of panels) {
      expect(refs.map((r) => r.name)).toContain(`${panel.panelIndex}:${panel.panelRefName}`);
      expect(panel.gridData.x + panel.gridData.w).toBeLessThanOrEqual(48);
    }
  });

  it("keeps every Lens column's references and the chart's accessors inside the layer", () => {
    for (const lens of lensObjects) {
      const state = (lens.attributes as LensAttributes).state;
      for (const layer of Object.values(state.datasourceStates.formBased.layers)) {
        expect(Object.keys(layer.columns).sort()).toEqual([...layer.columnOrder].sort());
        for (const column of Object.values(layer.columns)) {
          for (const ref of column.references ?? []) expect(layer.columns).toHaveProperty(ref);
        }
        for (const viz of state.visualization.layers) {
          for (const id of [...viz.accessors, viz.xAccessor, viz.splitAccessor]) {
            if (id !== undefined) expect(layer.columns).toHaveProperty(id);
          }
        }
      }
    }
  });

  it("reads only fields that the Collector's otel mapping produces for our metrics", () => {
    const used = new Set<string>(["@timestamp"]);
    for (const lens of lensObjects) {
      for (const column of columnsOf(lens)) {
        if (column.sourceField !== undefined) used.add(column.sourceField);
        for (const field of column.params?.formula?.match(/\b(?:metrics|attributes|resource)\.[\w.]+/g) ??
          []) {
          used.add(field);
        }
      }
    }
    expect(used.size).toBeGreaterThan(6);
    for (const field of used) expect(MAPPED_FIELDS, field).toContain(field);
    for (const metric of GOLDEN_SIGNAL_METRICS) expect(used).toContain(`metrics.${metric.name}`);
  });

  it("aggregates by metric kind: counter rates on counters, percentiles on the histogram, max on the gauge", () => {
    for (const lens of lensObjects) {
      const columns = (lens.attributes as LensAttributes).state.datasourceStates.formBased.layers;
      for (const layer of Object.values(columns)) {
        for (const column of Object.values(layer.columns)) {
          const kind = column.sourceField ? metricKind(column.sourceField) : undefined;
          if (kind === "histogram") expect(column.operationType).toBe("percentile");
          if (kind === "gauge") expect(column.operationType).toBe("max");
          if (kind === "counter") {
            // max is only the input of counter_rate: a summed or averaged counter would be wrong.
            expect(column.operationType).toBe("max");
            const consumers = Object.values(layer.columns).filter((c) =>
              c.references?.some((ref) => layer.columns[ref] === column),
            );
            expect(consumers.map((c) => c.operationType)).toEqual(["counter_rate"]);
          }
        }
      }
    }
  });

  it("computes the error ratio as counter rate of errors over counter rate of requests", () => {
    const formulas = lensObjects.flatMap((o) => columnsOf(o).flatMap((c) => c.params?.formula ?? []));
    expect(formulas).toContain(
      "counter_rate(max(metrics.zoran.errors)) / counter_rate(max(metrics.zoran.requests))",
    );
  });
});
