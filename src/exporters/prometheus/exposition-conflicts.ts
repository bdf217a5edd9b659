import { type DiagLogger, ValueType } from "@opentelemetry/api";
import { AggregationTemporality, DataPointType, type MetricData } from "@opentelemetry/sdk-metrics";
import { EXPOSITION_CONFLICTS_METRIC } from "../../signals/metric-definitions.js";

/**
 * What the serializer had to change so that a page parses (docs/formats.md, "A page that always
 * parses"):
 * - `family_clash`: a later metric whose Prometheus names collide with an earlier family's (a
 *   counter `x` beside a gauge `x_total`, a gauge `target.info`) is left out of the page;
 * - `reserved_label`: an attribute named like a label the serializer writes itself (`le` on a
 *   histogram, `otel_scope_name` beside the scope labels) is written as `exported_<name>`;
 * - `label_clash`: two attribute keys that sanitize to one label name (`a.b`, `a_b`) give one
 *   label, their values joined with `;` in the order of the original keys (the OpenTelemetry
 *   Prometheus-compatibility rule);
 * - `duplicate_series`: a series with the same name and labels as one already written (two
 *   meters' instruments with `withoutScopeInfo`, or attributes that only differ in what
 *   sanitizing removed) is left out;
 * - `native_histogram`: a native histogram whose scale Prometheus cannot take (below -4) is left
 *   out of the protobuf page; its classic buckets stay.
 */
export type ExpositionConflictKind =
  | "family_clash"
  | "reserved_label"
  | "label_clash"
  | "duplicate_series"
  | "native_histogram";

/** One change the serializer made to a page, with what it concerns. */
export interface ExpositionConflict {
  readonly kind: ExpositionConflictKind;
  /** Prometheus family name concerned. */
  readonly family: string;
  /** OpenTelemetry instrument name concerned. */
  readonly metric: string;
  /** Instrumentation scope of that instrument. */
  readonly scope: string;
  /** Kind-specific detail: the family it clashes with, the attribute keys concerned. */
  readonly detail: string;
}

/** The conflicts found while writing one page, each cause once. */
export class PageConflicts {
  readonly list: ExpositionConflict[] = [];
  private readonly keys = new Set<string>();

  add(conflict: ExpositionConflict): void {
    const key = conflictKey(conflict);
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.list.push(conflict);
  }
}

/** Where a serializer reports what it changed, and the self-metric it writes on the page. */
export interface ExpositionReport {
  /** Takes the conflicts of one page (each reported once per cause, over the report's life). */
  record(conflicts: readonly ExpositionConflict[]): void;
  /** `zoran_telemetry_exposition_conflicts_total`, or undefined while no conflict was seen. */
  selfMetric(endTime: [number, number]): MetricData | undefined;
}

// Distinct causes remembered (a cause is reported and counted once). Past the bound nothing more
// is counted, and one warning says so: an application that creates instruments without end
// cannot grow this set without end.
const MAX_CAUSES = 1_000;

/**
 * The collector's {@link ExpositionReport}: each new cause is reported once through `diag` (a
 * warning saying what was changed and what to do) and counted by kind in
 * `zoran_telemetry_exposition_conflicts_total`. The count is of distinct causes, not of pages,
 * so it does not grow with the scrape rate: alert on `> 0` or on `increase(...)`.
 */
export class ExpositionConflictLog implements ExpositionReport {
  private readonly seen = new Set<string>();
  private readonly counts = new Map<ExpositionConflictKind, number>();
  private full = false;
  private readonly startTime: [number, number];

  constructor(private readonly diag: DiagLogger) {
    const now = Date.now();
    this.startTime = [Math.floor(now / 1000), (now % 1000) * 1e6];
  }

  record(conflicts: readonly ExpositionConflict[]): void {
    for (const conflict of conflicts) {
      const key = conflictKey(conflict);
      if (this.seen.has(key)) continue;
      if (this.seen.size >= MAX_CAUSES) {
        if (!this.full) {
          this.full = true;
          this.diag.warn(
            `zoran-telemetrie: over ${MAX_CAUSES} distinct Prometheus exposition conflicts; further ones are neither reported nor counted in ${EXPOSITION_CONFLICTS_METRIC.promName}.`,
          );
        }
        return;
      }
      this.seen.add(key);
      this.counts.set(conflict.kind, (this.counts.get(conflict.kind) ?? 0) + 1);
      this.diag.warn(describeConflict(conflict));
    }
  }

  selfMetric(endTime: [number, number]): MetricData | undefined {
    if (this.counts.size === 0) return undefined;
    return {
      descriptor: {
        name: EXPOSITION_CONFLICTS_METRIC.name,
        description: EXPOSITION_CONFLICTS_METRIC.description,
        unit: EXPOSITION_CONFLICTS_METRIC.unit,
        valueType: ValueType.DOUBLE,
      },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [...this.counts].map(([kind, value]) => ({
        startTime: this.startTime,
        endTime,
        attributes: { kind },
        value,
      })),
    };
  }
}

function conflictKey(c: ExpositionConflict): string {
  return `${c.kind}\u0000${c.family}\u0000${c.metric}\u0000${c.scope}\u0000${c.detail}`;
}

/** The warning for one conflict: what was changed and what to do. Names only, never label values. */
export function describeConflict(c: ExpositionConflict): string {
  const what = `"${c.metric}" (scope "${c.scope}")`;
  const counted = `Counted in ${EXPOSITION_CONFLICTS_METRIC.promName}{kind="${c.kind}"}.`;
  switch (c.kind) {
    case "family_clash":
      return `zoran-telemetrie: the Prometheus page leaves out ${what}: its name ${c.family} clashes with ${c.detail}, written earlier. Rename one of the instruments. ${counted}`;
    case "reserved_label":
      return `zoran-telemetrie: attribute "${c.detail}" of ${what} is written as label exported_${c.detail.replace(/[^a-zA-Z0-9_]/g, "_")} on ${c.family}: the serializer writes that label name itself. ${counted}`;
    case "label_clash":
      return `zoran-telemetrie: attributes ${c.detail} of ${what} become one Prometheus label on ${c.family}; their values are joined with ";" (OpenTelemetry Prometheus compatibility). Rename one of the attributes. ${counted}`;
    case "duplicate_series":
      return `zoran-telemetrie: a series of ${what} has the same name and labels as one already on the page (${c.family}); the later one is left out. Instruments of one name in two meters need the scope labels (do not set prometheus.withoutScopeInfo), or rename one. ${counted}`;
    case "native_histogram":
      return `zoran-telemetrie: the native histogram of ${what} is left out of the protobuf page (${c.detail}); its classic buckets stay. ${counted}`;
    default:
      return `zoran-telemetrie: Prometheus exposition conflict on ${c.family}. ${counted}`;
  }
}
