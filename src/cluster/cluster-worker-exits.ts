import type { MetricDefinition } from "../signals/metric-definitions.js";

/**
 * Self-metric of the cluster aggregation: workers that exited, by whether their last counts
 * reached the primary (`final_report="true"`: they called `stop()`) or not (`"false"`: a crash
 * or a kill; their counts since their last report, at most one push interval, are missing).
 *
 * TODO(lead): move next to the other self-metrics in `src/signals/metric-definitions.ts`.
 */
export const CLUSTER_WORKER_EXITS_METRIC: MetricDefinition = Object.freeze({
  name: "zoran.telemetry.cluster.worker.exits",
  promName: "zoran_telemetry_cluster_worker_exits_total",
  kind: "counter",
  unit: "",
  description: "Cluster workers that exited, by whether their final report reached the primary.",
  labels: Object.freeze(["final_report"]),
});
