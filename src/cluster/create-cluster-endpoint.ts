import type { DiagLogger } from "@opentelemetry/api";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import { createHttpEndpoint, type HttpEndpointOptions } from "../endpoint/http-endpoint.js";
import { ExpositionConflictLog } from "../exporters/prometheus/exposition-conflicts.js";
import { createMetricsRoute } from "../exporters/prometheus/metrics-route.js";
import { describeError } from "../privacy/describe-error.js";
import type { ClusterAggregator } from "./cluster-aggregator.js";

/** Options of {@link createClusterEndpoint}: those of the collector's Prometheus endpoint. */
export interface ClusterEndpointOptions extends HttpEndpointOptions {
  /** Most scrapes served at once; more get 503 with `Retry-After: 1`. @default 16 */
  maxConcurrentScrapes?: number;
  /** Where scrape failures are reported. @default the loud default logger (`OTEL_LOG_LEVEL`; the global `diag` once one is installed) */
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
  const diag = options.diag ?? createTelemetryLogger();
  const endpoint = createHttpEndpoint(options, (error) =>
    diag.error(`zoran-telemetrie: cluster /metrics failed: ${describeError(error)}`),
  );
  endpoint.addRoute(
    "/metrics",
    createMetricsRoute({
      collect: () => aggregator.collect(),
      maxConcurrentScrapes: options.maxConcurrentScrapes,
      report: new ExpositionConflictLog(diag),
    }),
  );
  return {
    get url() {
      return endpoint.url;
    },
    start: () => endpoint.start(),
    shutdown: () => endpoint.shutdown(),
  };
}
