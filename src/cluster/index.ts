/**
 * `zoran-telemetrie/cluster`: one `/metrics` for the workers of a node:cluster primary, of a main
 * thread with `worker_threads`, or of a parent with forked children. Workers report with
 * `reportToPrimary()`; the primary merges with a `ClusterAggregator` and serves it with
 * `createClusterEndpoint()` (docs/scaling.md).
 */

export { CLUSTER_WORKER_EXITS_METRIC } from "../signals/metric-definitions.js";
export type {
  ClusterAggregatorOptions,
  ClusterAggregatorStats,
} from "./cluster-aggregator.js";
export { ClusterAggregator } from "./cluster-aggregator.js";
export type { ClusterMessage, CollectRequest, SnapshotReport } from "./cluster-messages.js";
export { CLUSTER_MESSAGE_TAG, isClusterMessage } from "./cluster-messages.js";
export type { ClusterEndpoint, ClusterEndpointOptions } from "./create-cluster-endpoint.js";
export { createClusterEndpoint } from "./create-cluster-endpoint.js";
export type { GaugeAggregation, MergeSnapshotsOptions, SnapshotPart } from "./merge-snapshots.js";
export { mergeSnapshots, WORKER_ATTRIBUTE } from "./merge-snapshots.js";
export type {
  PortableMetric,
  PortableNumber,
  PortablePoint,
  PortableScope,
  PortableSnapshot,
} from "./portable-snapshot.js";
export { fromPortableSnapshot, toPortableSnapshot } from "./portable-snapshot.js";
export type { ReportToPrimaryOptions, SnapshotSource, WorkerReporter } from "./report-to-primary.js";
export { reportToPrimary } from "./report-to-primary.js";
export type { AggregatedWorker } from "./worker-link.js";
