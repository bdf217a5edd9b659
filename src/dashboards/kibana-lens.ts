/**
 * Kibana Lens visualizations as saved objects: the column and layer shapes of Lens' form-based
 * data source (Kibana 8.9+ `formBased` state), built from plain data so every field a panel reads
 * is visible to the tests.
 */

/** One Lens column, as stored in `state.datasourceStates.formBased.layers.<id>.columns`. */
export type LensColumn = Readonly<Record<string, unknown>>;

/** Number format of a Lens column. */
export type LensFormat = { readonly id: "number" | "percent" | "bytes"; readonly params?: object };

/** A metric series of an XY chart: its columns (the last one is drawn) and their order. */
export interface LensMetric {
  /** Column id of the value drawn. */
  readonly id: string;
  /** Every column the metric needs, its helper columns first. */
  readonly columns: Readonly<Record<string, LensColumn>>;
}

/** `max(field)`: the last cumulative value per bucket, the input of `counter_rate`. */
function maxColumn(label: string, field: string): LensColumn {
  return {
    label,
    customLabel: true,
    dataType: "number",
    operationType: "max",
    sourceField: field,
    isBucketed: false,
    scale: "ratio",
    params: { emptyAsNull: true },
  };
}

/**
 * `counter_rate(max(field))` per second. On a time-series data stream (the `otel` data streams
 * are TSDS) Lens computes it per time series with Elasticsearch's `rate` aggregation and sums the
 * series, so several instances add up correctly.
 */
export function counterRate(id: string, label: string, field: string, format?: LensFormat): LensMetric {
  return {
    id,
    columns: {
      [`${id}X0`]: maxColumn(`Max of ${field}`, field),
      [id]: {
        label,
        customLabel: true,
        dataType: "number",
        operationType: "counter_rate",
        isBucketed: false,
        scale: "ratio",
        references: [`${id}X0`],
        timeScale: "s",
        params: format ? { format } : {},
      },
    },
  };
}

/** `percentile(field, q)` on an Elasticsearch `histogram` field: merges every document's buckets. */
export function percentile(id: string, field: string, percent: number, format?: LensFormat): LensMetric {
  return {
    id,
    columns: {
      [id]: {
        label: `p${percent}`,
        customLabel: true,
        dataType: "number",
        operationType: "percentile",
        sourceField: field,
        isBucketed: false,
        scale: "ratio",
        params: { percentile: percent, ...(format ? { format } : {}) },
      },
    },
  };
}

/** `max(field)` of a gauge. */
export function maxOf(id: string, label: string, field: string, format?: LensFormat): LensMetric {
  const column = maxColumn(label, field);
  return { id, columns: { [id]: format ? { ...column, params: { emptyAsNull: true, format } } : column } };
}

/**
 * `counter_rate(max(a)) / counter_rate(max(b))` as a Lens formula, with the helper columns Lens
 * stores next to it (`X0`..`X4`): the ratio of two summed rates, e.g. errors over requests.
 */
export function rateRatio(id: string, label: string, numerator: string, denominator: string): LensMetric {
  const formula = `counter_rate(max(${numerator})) / counter_rate(max(${denominator}))`;
  const part = (column: LensColumn): LensColumn => ({
    ...column,
    label: `Part of ${label}`,
    customLabel: true,
  });
  const rate = (ref: string): LensColumn =>
    part({
      dataType: "number",
      operationType: "counter_rate",
      isBucketed: false,
      scale: "ratio",
      references: [ref],
      timeScale: "s",
    });
  return {
    id,
    columns: {
      [`${id}X0`]: part(maxColumn("", numerator)),
      [`${id}X1`]: rate(`${id}X0`),
      [`${id}X2`]: part(maxColumn("", denominator)),
      [`${id}X3`]: rate(`${id}X2`),
      [`${id}X4`]: part({
        dataType: "number",
        operationType: "math",
        isBucketed: false,
        scale: "ratio",
        references: [`${id}X1`, `${id}X3`],
        params: {
          tinymathAst: {
            type: "function",
            name: "divide",
            args: [`${id}X1`, `${id}X3`],
            location: { min: 0, max: formula.length },
            text: formula,
          },
        },
      }),
      [id]: {
        label,
        customLabel: true,
        dataType: "number",
        operationType: "formula",
        isBucketed: false,
        scale: "ratio",
        references: [`${id}X4`],
        params: { formula, isFormulaBroken: false, format: { id: "percent", params: { decimals: 2 } } },
      },
    },
  };
}

/** Options of {@link lensLineChart}. */
export interface LensLineChartOptions {
  readonly title: string;
  readonly description: string;
  /** Id of the data view the layer reads. */
  readonly dataViewId: string;
  /** Time field for the x axis. */
  readonly timeField: string;
  /** The series drawn. */
  readonly metrics: readonly LensMetric[];
  /** Field whose top values split the series (one line per value), if any. */
  readonly breakdownField?: string;
  /** Title of the left axis: the unit of the values, e.g. `seconds`. */
  readonly yTitle: string;
}

const LAYER_ID = "layer1";

/** A Lens line chart over time: the `attributes` and `references` of a `lens` saved object. */
export function lensLineChart(options: LensLineChartOptions): { attributes: object; references: object[] } {
  const columns: Record<string, LensColumn> = {
    x: {
      label: options.timeField,
      dataType: "date",
      operationType: "date_histogram",
      sourceField: options.timeField,
      isBucketed: true,
      scale: "interval",
      params: { interval: "auto", includeEmptyRows: true, dropPartials: false },
    },
  };
  const bucketOrder = ["x"];
  if (options.breakdownField !== undefined) {
    columns.split = {
      label: `Top values of ${options.breakdownField}`,
      dataType: "string",
      operationType: "terms",
      sourceField: options.breakdownField,
      isBucketed: true,
      scale: "ordinal",
      params: {
        size: 10,
        orderBy: { type: "alphabetical", fallback: true },
        orderDirection: "asc",
        otherBucket: true,
        missingBucket: false,
        parentFormat: { id: "terms" },
      },
    };
    // Lens orders bucket columns outermost first: the breakdown before the date histogram.
    bucketOrder.unshift("split");
  }
  const metricOrder: string[] = [];
  for (const metric of options.metrics) {
    for (const [id, column] of Object.entries(metric.columns)) {
      columns[id] = column;
      metricOrder.push(id);
    }
  }
  return {
    attributes: {
      title: options.title,
      description: options.description,
      visualizationType: "lnsXY",
      state: {
        datasourceStates: {
          formBased: {
            layers: {
              [LAYER_ID]: { columns, columnOrder: [...bucketOrder, ...metricOrder], incompleteColumns: {} },
            },
          },
        },
        visualization: {
          legend: { isVisible: true, position: "right" },
          // The unit on the axis too: the column format puts it on the values (tooltips, legend).
          yTitle: options.yTitle,
          axisTitlesVisibilitySettings: { x: false, yLeft: true, yRight: true },
          valueLabels: "hide",
          fittingFunction: "None",
          preferredSeriesType: "line",
          layers: [
            {
              layerId: LAYER_ID,
              layerType: "data",
              seriesType: "line",
              xAccessor: "x",
              accessors: options.metrics.map((metric) => metric.id),
              ...(options.breakdownField !== undefined ? { splitAccessor: "split" } : {}),
            },
          ],
        },
        query: { query: "", language: "kuery" },
        filters: [],
        internalReferences: [],
        adHocDataViews: {},
      },
    },
    references: [
      { type: "index-pattern", id: options.dataViewId, name: `indexpattern-datasource-layer-${LAYER_ID}` },
    ],
  };
}
