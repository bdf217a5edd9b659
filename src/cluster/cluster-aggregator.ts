import cluster from "node:cluster";
import { type DiagLogger, type HrTime, ValueType } from "@opentelemetry/api";
import { hrTime } from "@opentelemetry/core";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import { describeError } from "../privacy/describe-error.js";
import { CLUSTER_WORKER_EXITS_METRIC, INSTRUMENTATION_SCOPE } from "../signals/metric-definitions.js";
import { CLUSTER_MESSAGE_TAG, isClusterMessage, type SnapshotReport } from "./cluster-messages.js";
import { type GaugeAggregation, mergeSnapshots, type SnapshotPart } from "./merge-snapshots.js";
import { fromPortableSnapshot } from "./portable-snapshot.js";
import type { SnapshotSource } from "./report-to-primary.js";
import { type AggregatedWorker, linkWorker, type WorkerLink } from "./worker-link.js";

/** Options of a {@link ClusterAggregator}. */
export interface ClusterAggregatorOptions {
  /**
   * How long `collect()` waits for the workers' fresh snapshots, in milliseconds; a worker that
   * has not answered by then counts with its last report (and is reported through `diag`).
   * Keep it under Prometheus' `scrape_timeout`. @default 2000
   */
  collectTimeoutMs?: number;
  /** How gauges of several workers combine. @default "per_worker" (a `worker` label) */
  gauges?: GaugeAggregation;
  /**
   * The primary's own collector (its saturation probes, its own recordings): included as worker
   * `primary`. Its resource names the merged snapshot (`target_info`).
   */
  primary?: SnapshotSource;
  /** Resource of the merged snapshot when there is no `primary`. @default the first worker's */
  resource?: Resource;
  /** Where late workers and conflicts are reported. @default the loud default logger (`OTEL_LOG_LEVEL`; the global `diag` once one is installed) */
  diag?: DiagLogger;
}

interface WorkerState {
  readonly link: WorkerLink;
  last: { sequence: number; snapshot: ResourceMetrics } | undefined;
  final: boolean;
  readonly waiters: Map<number, () => void>;
}

/** Counts of the aggregator's bookkeeping, for tests and operators. */
export interface ClusterAggregatorStats {
  /** Workers attached and not yet gone. */
  readonly liveWorkers: number;
  /** Workers gone after a final report (nothing lost). */
  readonly exitsReported: number;
  /** Workers gone without a final report: their counts since their last report are missing. */
  readonly exitsUnreported: number;
}

/**
 * The primary side of cluster aggregation: one `/metrics` for every worker of a node:cluster
 * primary, of a main thread with `worker_threads`, or of a parent with forked children. Workers
 * record into their own collector and report with `reportToPrimary()`; `collect()` asks each live
 * worker for a fresh snapshot and merges them (`mergeSnapshots`): counters and histogram buckets
 * summed, gauges per worker.
 *
 * A worker that exits does not take its counts away: its last counters and histograms are folded
 * into a retained total that stays in every later snapshot, so the totals served never go down.
 * Its gauges and up-down counters leave with it. What a crashed worker recorded after its last
 * report is lost; such exits are counted in `zoran_telemetry_cluster_worker_exits_total{final_report="false"}`.
 *
 * @example
 * // in the node:cluster primary
 * const aggregator = new ClusterAggregator();
 * aggregator.attachCluster();
 * const endpoint = createClusterEndpoint(aggregator, { port: 9464 });
 * await endpoint.start();
 * for (let i = 0; i < 4; i++) cluster.fork();
 */
export class ClusterAggregator {
  private readonly workers = new Map<string, WorkerState>();
  private readonly options: ClusterAggregatorOptions;
  private readonly diag: DiagLogger;
  private readonly startTime: HrTime = hrTime();
  private retired: ResourceMetrics | undefined;
  private exitsReported = 0;
  private exitsUnreported = 0;
  private nextRequest = 1;
  private onFork: ((worker: AggregatedWorker) => void) | undefined;

  constructor(options: ClusterAggregatorOptions = {}) {
    this.options = options;
    this.diag = options.diag ?? createTelemetryLogger();
  }

  /**
   * Attaches every node:cluster worker, present and future (`cluster.on("fork")`). Call it in
   * the primary before forking.
   */
  attachCluster(): void {
    if (this.onFork !== undefined) return;
    this.onFork = (worker) => this.attach(worker);
    cluster.on("fork", this.onFork);
    for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined) this.attach(worker);
  }

  /**
   * Starts aggregating one worker: a node:cluster worker, a `worker_threads` Worker or a forked
   * child. Attach a worker thread in the same tick as `new Worker()`: its reporter introduces
   * itself with one message, which a listener added later would miss.
   */
  attach(worker: AggregatedWorker): void {
    const link = linkWorker(worker);
    if (this.workers.has(link.id)) return;
    const state: WorkerState = { link, last: undefined, final: false, waiters: new Map() };
    this.workers.set(link.id, state);
    link.onMessage((message) => {
      if (isClusterMessage(message) && message.kind === "snapshot") this.receive(state, message);
    });
    link.onGone(() => this.retire(state));
  }

  /** Bookkeeping counts: live workers, exits with and without a final report. */
  get stats(): ClusterAggregatorStats {
    return {
      liveWorkers: this.workers.size,
      exitsReported: this.exitsReported,
      exitsUnreported: this.exitsUnreported,
    };
  }

  /**
   * The merged cumulative snapshot of the primary and every worker: live workers are asked for a
   * fresh snapshot (waiting at most `collectTimeoutMs`), exited workers count with their retained
   * totals. Never rejects: a worker that fails to answer counts with its last report.
   *
   * @param own the primary's own snapshot, when the caller has just collected it (a collector
   *   wiring the aggregator into its own `collect()`); otherwise `options.primary` is collected.
   */
  async collect(own?: ResourceMetrics): Promise<ResourceMetrics> {
    const request = this.nextRequest++;
    const timeoutMs = this.options.collectTimeoutMs ?? 2000;
    const answers: Promise<void>[] = [];
    for (const state of this.workers.values()) answers.push(this.ask(state, request, timeoutMs));
    const ownCollection =
      own !== undefined
        ? Promise.resolve(own)
        : this.options.primary?.collect().catch((error: unknown) => {
            this.diag.warn(
              `zoran-telemetrie: cluster: the primary's own collection failed: ${describeError(error)}`,
            );
            return undefined;
          });
    await Promise.all(answers);
    const primary = await ownCollection;

    const parts: SnapshotPart[] = [];
    if (primary !== undefined) parts.push({ worker: "primary", snapshot: primary });
    for (const [id, state] of this.workers) {
      if (state.last !== undefined) parts.push({ worker: id, snapshot: state.last.snapshot });
    }
    if (this.retired !== undefined)
      parts.push({ worker: "retired", snapshot: this.retired, cumulativeOnly: true });
    const resource = this.options.resource ?? primary?.resource ?? parts[0]?.snapshot.resource;
    const merged =
      resource === undefined
        ? undefined
        : mergeSnapshots(parts, {
            resource,
            diag: this.diag,
            ...(this.options.gauges === undefined ? {} : { gauges: this.options.gauges }),
          });
    const exits = this.exitsMetric();
    if (merged === undefined) {
      // No worker has reported yet and no primary collector: an empty page, not an error.
      return {
        resource: resourceFromAttributes({}),
        scopeMetrics: exits ? [{ scope: INSTRUMENTATION_SCOPE, metrics: [exits] }] : [],
      };
    }
    if (exits !== undefined) appendToScope(merged, exits);
    return merged;
  }

  /** Stops listening for new cluster workers and detaches every worker. Retained totals are dropped. */
  close(): void {
    if (this.onFork !== undefined) cluster.off("fork", this.onFork);
    this.onFork = undefined;
    for (const state of this.workers.values()) {
      state.link.detach();
      for (const wake of state.waiters.values()) wake();
    }
    this.workers.clear();
    this.retired = undefined;
  }

  private ask(state: WorkerState, request: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        state.waiters.delete(request);
        this.diag.debug(
          `zoran-telemetrie: cluster: worker ${state.link.id} did not answer within ${timeoutMs} ms; its last report is used`,
        );
        resolve();
      }, timeoutMs);
      timer.unref();
      state.waiters.set(request, () => {
        clearTimeout(timer);
        state.waiters.delete(request);
        resolve();
      });
      const sent = state.link.send({ tag: CLUSTER_MESSAGE_TAG, kind: "collect", request });
      if (!sent) state.waiters.get(request)?.();
    });
  }

  private receive(state: WorkerState, report: SnapshotReport): void {
    if (state.last === undefined || report.sequence > state.last.sequence) {
      try {
        state.last = { sequence: report.sequence, snapshot: fromPortableSnapshot(report.snapshot) };
      } catch (error) {
        this.diag.warn(
          `zoran-telemetrie: cluster: unreadable report from worker ${state.link.id}: ${describeError(error)}`,
        );
      }
    }
    if (report.final) state.final = true;
    if (report.request > 0) state.waiters.get(report.request)?.();
  }

  private retire(state: WorkerState): void {
    const { id } = state.link;
    if (this.workers.get(id) !== state) return;
    this.workers.delete(id);
    state.link.detach();
    for (const wake of state.waiters.values()) wake();
    if (state.final) this.exitsReported++;
    else {
      this.exitsUnreported++;
      this.diag.warn(
        `zoran-telemetrie: cluster: worker ${id} exited without a final report; its counts since its last report are lost`,
      );
    }
    if (state.last === undefined) return;
    // Folded into one retained snapshot: memory stays one snapshot however many workers come and go.
    const parts: SnapshotPart[] = [{ worker: id, snapshot: state.last.snapshot, cumulativeOnly: true }];
    if (this.retired !== undefined)
      parts.unshift({ worker: "retired", snapshot: this.retired, cumulativeOnly: true });
    this.retired = mergeSnapshots(parts, { diag: this.diag });
  }

  private exitsMetric(): MetricData | undefined {
    if (this.exitsReported + this.exitsUnreported === 0) return undefined;
    const endTime = hrTime();
    const point = (finalReport: boolean, value: number) => ({
      startTime: this.startTime,
      endTime,
      attributes: { final_report: String(finalReport) },
      value,
    });
    return {
      descriptor: {
        name: CLUSTER_WORKER_EXITS_METRIC.name,
        description: CLUSTER_WORKER_EXITS_METRIC.description,
        unit: CLUSTER_WORKER_EXITS_METRIC.unit,
        valueType: ValueType.DOUBLE,
      },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [point(true, this.exitsReported), point(false, this.exitsUnreported)],
    };
  }
}

function appendToScope(snapshot: ResourceMetrics, metric: MetricData): void {
  const scope = snapshot.scopeMetrics.find((s) => s.scope.name === INSTRUMENTATION_SCOPE.name);
  if (scope !== undefined) scope.metrics.push(metric);
  else snapshot.scopeMetrics.push({ scope: INSTRUMENTATION_SCOPE, metrics: [metric] });
}
