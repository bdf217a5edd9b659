import { FailureReporter } from "../diagnostics/failure-reporter.js";
import { ExpositionConflictLog } from "../exporters/prometheus/exposition-conflicts.js";
import { DEFAULT_MAX_BUCKETS } from "../recording/exponential-buckets.js";
import { GoldenSignalStore } from "../recording/golden-signal-store.js";
import { EXPORT_FAILURES_METRIC } from "../signals/metric-definitions.js";
import { SnapshotSource } from "../snapshot/snapshot-source.js";
import type { ExpositionSettings } from "./export-format.js";
import type { ResolvedCollectorOptions } from "./resolve-options.js";

/** The golden-signal store of a collector and what reads and counts into it. */
export interface StoreParts {
  readonly store: GoldenSignalStore;
  /** Counts exporter failures in the store and reports them on the collector's logger. */
  readonly failures: FailureReporter;
  /** The only `collect()`: the store, the application's SDK instruments, cluster workers. */
  readonly source: SnapshotSource;
  /** How Prometheus pages are written, with the one conflict log of `/metrics` and `export()`. */
  readonly exposition: ExpositionSettings & { readonly report: ExpositionConflictLog };
}

/**
 * Builds the golden-signal store (exemplars unless `exemplarFilter: "always_off"`, exponential
 * buckets with `nativeHistograms`), its failure reporter and the snapshot source over it.
 */
export function buildStoreParts(resolved: ResolvedCollectorOptions): StoreParts {
  const { diag } = resolved;
  const store = new GoldenSignalStore({
    resource: resolved.resource,
    cardinalityLimit: resolved.cardinalityLimit,
    diag,
    exemplars: resolved.exemplarFilter !== "always_off",
    nativeMaxBuckets: resolved.nativeHistograms ? DEFAULT_MAX_BUCKETS : undefined,
  });
  const failures = new FailureReporter(
    diag,
    (exporter) => store.exportFailed(exporter),
    EXPORT_FAILURES_METRIC.promName,
  );
  const source = new SnapshotSource({
    store,
    cardinalityLimit: resolved.cardinalityLimit,
    merge: resolved.cluster,
    diag,
  });
  // One conflict log for /metrics and export(): each cause reported and counted once.
  const report = new ExpositionConflictLog(diag);
  return {
    store,
    failures,
    source,
    exposition: { withoutScopeInfo: resolved.exposition.withoutScopeInfo, report },
  };
}
