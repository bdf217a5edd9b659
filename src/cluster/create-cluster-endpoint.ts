import { type DiagLogger, diag as globalDiag } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  createPrometheusExporter,
  type PrometheusExporterOptions,
} from "../exporters/prometheus/prometheus-exporter.js";
import type { ClusterAggregator } from "./cluster-aggregator.js";

/** Options of {@link createClusterEndpoint}: those of the collector's Prometheus endpoint. */
export interface ClusterEndpointOptions extends PrometheusExporterOptions {
  /** Where scrape failures are reported. @default the OpenTelemetry global `diag` */
  diag?: DiagLogger;
}

/** The primary's `/metrics` for the whole cluster, returned by {@link createClusterEndpoint}. */
export interface ClusterEndpoint {
  /** Base URL once listening, e.g. `http://127.0.0.1:9464`; undefined before `start()`. */
  readonly url: string | undefined;
  /** Listens; rejects with a clear error when the port is taken. */
  start(): Promise<void>;
  /** Closes the socket. Resolves when called twice. */
  shutdown(): Promise<void>;
}

/**
 * Serves the merged snapshot of a {@link ClusterAggregator} on the collector's own Prometheus
 * endpoint implementation (text 0.0.4 or OpenMetrics by `Accept`, GET/HEAD only, optional bearer
 * token, 127.0.0.1 unless told otherwise). Only the primary listens: workers need no port, so
 * they never clash (and node:cluster would otherwise share one listening socket between the
 * workers, each scrape landing on a random one of them).
 *
 * @example
 * const endpoint = createClusterEndpoint(aggregator, { port: 9464 });
 * await endpoint.start();
 */
export function createClusterEndpoint(
  aggregator: ClusterAggregator,
  options: ClusterEndpointOptions = {},
): ClusterEndpoint {
  const diag = options.diag ?? globalDiag;
  const exporter = createPrometheusExporter(
    {
      serviceName: "cluster",
      resource: resourceFromAttributes({}),
      // Only `collect` is read by the pull endpoint; the producer is never registered anywhere.
      producer: { collect: async () => ({ resourceMetrics: await aggregator.collect(), errors: [] }) },
      collect: () => aggregator.collect(),
      diag,
      reportFailure: (_exporter, error) =>
        diag.error(
          `zoran-telemetrie: cluster /metrics failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    },
    options,
  );
  return {
    get url() {
      return exporter.url;
    },
    start: () => exporter.start?.() ?? Promise.resolve(),
    shutdown: () => exporter.shutdown(),
  };
}
