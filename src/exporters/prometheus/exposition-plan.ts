import type { Attributes } from "@opentelemetry/api";
import { DataPointType, type MetricData, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { EXPOSITION_CONFLICTS_METRIC, INSTRUMENTATION_SCOPE } from "../../signals/metric-definitions.js";
import { type ExpositionConflictKind, PageConflicts } from "./exposition-conflicts.js";
import { escapeLabelValue, type LabelContext, labelPairFields, toByteString } from "./exposition-labels.js";
import {
  familyClaims,
  type PrometheusFamily,
  prometheusFamily,
  TARGET_INFO_CLAIMS,
} from "./prometheus-names.js";

/** Options that change which families and labels a page holds. */
export interface ExpositionPlanOptions {
  /** Emit `target_info` with the resource attributes. @default true */
  readonly targetInfo?: boolean;
  /**
   * Leave out the `otel_scope_name` / `otel_scope_version` labels of application instruments
   * (the OpenTelemetry Prometheus-compatibility spec's option; the reference exporter's name).
   * Two meters' instruments of one name then collide: the later series is left out.
   * @default false
   */
  readonly withoutScopeInfo?: boolean;
}

/** One metric of a family, with what its samples get besides their attributes. */
export interface PlannedMetric {
  readonly metric: MetricData;
  /** `otel_scope_name="...",otel_scope_version="..."` as a byte string; "" for our own metrics. */
  readonly scopeText: string;
  /** The same scope labels as protobuf `label` fields. */
  readonly scopeProto: string;
  /** Reserved label names and where renames are reported. */
  readonly labels: LabelContext;
  /** Reports a series left out as a duplicate. */
  readonly duplicate: () => void;
  /** Reports a native histogram left out. */
  readonly nativeDropped: (why: string) => void;
}

/** One Prometheus family of a page and the metrics whose samples it holds. */
export interface PlannedFamily {
  readonly family: PrometheusFamily;
  readonly help: string;
  readonly metrics: PlannedMetric[];
  /** True when two of its series could have one label set (checked while writing). */
  readonly dedupe: boolean;
}

/** What a page holds, decided before a byte is written. */
export interface ExpositionPlan {
  /** Labels of `target_info`, or undefined when it is not written. */
  readonly targetInfo: Attributes | undefined;
  readonly families: readonly PlannedFamily[];
  /** The family of the self-metric of conflicts, always reserved, written last when non-zero. */
  readonly conflictsFamily: PrometheusFamily;
  /** The conflicts found so far (planning; writing adds the label ones). */
  readonly conflicts: PageConflicts;
}

const SCOPE_LABELS = ["otel_scope_name", "otel_scope_version", "otel_scope_schema_url"] as const;
const HISTOGRAM_RESERVED: ReadonlySet<string> = new Set(["le"]);
const SCOPED_RESERVED: ReadonlySet<string> = new Set(SCOPE_LABELS);
const SCOPED_HISTOGRAM_RESERVED: ReadonlySet<string> = new Set([...SCOPE_LABELS, "le"]);

const CONFLICTS_FAMILY = prometheusFamily({
  descriptor: {
    name: EXPOSITION_CONFLICTS_METRIC.name,
    description: "",
    unit: EXPOSITION_CONFLICTS_METRIC.unit,
    valueType: 1,
  },
  aggregationTemporality: 1,
  dataPointType: DataPointType.SUM,
  isMonotonic: true,
  dataPoints: [],
} as MetricData)!;

interface Group extends PlannedFamily {
  readonly owned: boolean;
  readonly first: number;
  metrics: PlannedMetric[];
  dedupe: boolean;
}

/**
 * Decides a page: which families it holds in which order, which metrics each one merges, what
 * labels their samples get. The rule that keeps every page parseable (docs/formats.md):
 *
 * 1. `target_info` and our own families (the golden signals and self-metrics, scope
 *    `zoran-telemetrie`) claim their names first: an application instrument never displaces them.
 * 2. Then application metrics in snapshot order: one whose family name and type equal an earlier
 *    application family's joins it (two meters' `case.shared` counters: one family, told apart
 *    by `otel_scope_name`); one that would hold a name another family holds (`case.x` counter
 *    and `case.x_total` gauge both need `case_x_total`; a gauge `target.info`) is left out,
 *    reported once and counted.
 *
 * Families keep the order of their first metric in the snapshot.
 */
export function planExposition(
  snapshot: ResourceMetrics,
  options: ExpositionPlanOptions = {},
): ExpositionPlan {
  const conflicts = new PageConflicts();
  const holders = new Map<string, Group | string>();
  const groups: Group[] = [];
  const targetInfo = options.targetInfo !== false;
  if (targetInfo) for (const name of TARGET_INFO_CLAIMS) holders.set(name, "target_info");
  for (const name of familyClaims(CONFLICTS_FAMILY))
    holders.set(name, `the counter ${CONFLICTS_FAMILY.family}`);

  const scopeLabels = options.withoutScopeInfo !== true;
  for (const pass of [true, false]) {
    let index = 0;
    for (const { scope, metrics } of snapshot.scopeMetrics) {
      const owned = scope.name === INSTRUMENTATION_SCOPE.name;
      for (const metric of metrics) {
        const at = index++;
        if (owned !== pass) continue;
        const family = prometheusFamily(metric);
        if (family === undefined) continue;
        const report = (kind: ExpositionConflictKind, detail: string) =>
          conflicts.add({
            kind,
            family: family.family,
            metric: metric.descriptor.name,
            scope: scope.name,
            detail,
          });
        const holder = holders.get(family.family);
        let group: Group | undefined;
        if (
          typeof holder === "object" &&
          holder.family.family === family.family &&
          holder.family.type === family.type &&
          holder.owned === owned
        ) {
          group = holder;
        } else {
          const taken = familyClaims(family).find((name) => holders.has(name));
          if (taken !== undefined) {
            const by = holders.get(taken)!;
            report("family_clash", typeof by === "string" ? by : `the ${by.family.type} ${by.family.family}`);
            continue;
          }
          group = {
            family,
            help: metric.descriptor.description,
            metrics: [],
            dedupe: !owned,
            owned,
            first: at,
          };
          for (const name of familyClaims(family)) holders.set(name, group);
          groups.push(group);
        }
        if (group.metrics.length > 0) group.dedupe = true;
        const scoped = scopeLabels && !owned;
        const histogram = metric.dataPointType === DataPointType.HISTOGRAM;
        const names: string[] = [];
        const values: string[] = [];
        if (scoped) {
          names.push("otel_scope_name");
          values.push(scope.name);
          if (scope.version) {
            names.push("otel_scope_version");
            values.push(scope.version);
          }
          if (scope.schemaUrl) {
            names.push("otel_scope_schema_url");
            values.push(scope.schemaUrl);
          }
        }
        group.metrics.push({
          metric,
          scopeText: toByteString(
            names.map((n, i) => `${n}="${escapeLabelValue(values[i]!.toWellFormed())}"`).join(","),
          ),
          scopeProto: labelPairFields(
            names,
            values.map((v) => v.toWellFormed()),
          ),
          labels: {
            reserved: scoped
              ? histogram
                ? SCOPED_HISTOGRAM_RESERVED
                : SCOPED_RESERVED
              : histogram
                ? HISTOGRAM_RESERVED
                : NO_NAMES,
            note: report,
          },
          duplicate: () => report("duplicate_series", ""),
          nativeDropped: (why) => report("native_histogram", why),
        });
      }
    }
  }
  groups.sort((a, b) => a.first - b.first);
  return {
    targetInfo: targetInfo ? snapshot.resource.attributes : undefined,
    families: groups,
    conflictsFamily: CONFLICTS_FAMILY,
    conflicts,
  };
}

const NO_NAMES: ReadonlySet<string> = new Set();
