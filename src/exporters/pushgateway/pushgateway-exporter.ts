import { durationOption } from "../../config/duration-option.js";
import { CONTENT_TYPES, serializePrometheus } from "../prometheus/prometheus-serializer.js";
import { resolveExportIntervalMs, resolveShutdownTimeoutMs } from "../push/export-interval.js";
import { PeriodicSnapshotTask } from "../push/periodic-snapshot-task.js";
import { expectSuccess, type PushRequest } from "../push/push-request.js";
import type { ExporterFactory, TelemetryExporter } from "../telemetry-exporter.js";

/** Options of the Pushgateway exporter (`exporter: "pushgateway"`). */
export interface PushgatewayExporterOptions {
  /** Base URL of the Pushgateway, e.g. `http://pushgateway:9091` (required). */
  readonly url: string;
  /** The `job` label of the group. @default the collector's `serviceName` */
  readonly job?: string;
  /**
   * More labels of the grouping key, e.g. `{ instance: "batch-7" }`: each distinct key is one
   * group on the Pushgateway, replaced by its own pushes only.
   */
  readonly groupingKey?: Readonly<Record<string, string>>;
  /**
   * `put` replaces every metric of the group with this push (the snapshot is cumulative, so it
   * holds everything); `post` replaces only the metric families this push contains and keeps the
   * group's others (e.g. a `last_success` gauge pushed by a script).
   * @default "put"
   */
  readonly method?: "put" | "post";
  /**
   * On a successful end (`shutdown()`, including the exit flush of a process whose event loop
   * emptied), delete the group instead of pushing a last time: its series vanish from the
   * Pushgateway, and so from Prometheus once the next scrape comes. A job killed by SIGTERM or
   * SIGINT only pushes (the exit flush does not shut down), so its last values stay for whoever
   * looks into the failure. For groups that must not outlive their process (e.g. one per pod).
   * @default false
   */
  readonly deleteOnSuccess?: boolean;
  /** Time between two pushes while the process runs, in milliseconds. @default OTEL_METRIC_EXPORT_INTERVAL, else 60000 */
  readonly intervalMs?: number;
  /** Longest time one push may take, in milliseconds. @default OTEL_METRIC_EXPORT_TIMEOUT, else 10000 */
  readonly timeoutMs?: number;
  /** Extra request headers, e.g. `{ authorization: "Bearer ..." }`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Longest time `shutdown()` waits for the last push, in milliseconds. @default 5000 */
  readonly shutdownTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The Pushgateway path of a grouping key: `/metrics/job/<job>{/<label>/<value>}`. A value with a
 * `/` in it, or an empty one, is sent base64url-encoded with the `@base64` suffix on its label
 * name, as the Pushgateway's API asks (an empty value is `=`).
 *
 * @example
 * pushgatewayPath("nightly", { instance: "a/b" }) // "/metrics/job/nightly/instance@base64/YS9i"
 */
export function pushgatewayPath(job: string, groupingKey: Readonly<Record<string, string>> = {}): string {
  const segment = (name: string, value: string) =>
    value === "" || value.includes("/")
      ? `${name}@base64/${value === "" ? "=" : Buffer.from(value, "utf8").toString("base64url")}`
      : `${name}/${encodeURIComponent(value)}`;
  let path = `/metrics/${segment("job", job)}`;
  for (const [name, value] of Object.entries(groupingKey)) {
    if (!LABEL_NAME.test(name) || name === "job")
      throw new Error(`pushgateway: grouping key label "${name.slice(0, 32)}" is not a valid label name`);
    path += `/${segment(name, String(value))}`;
  }
  return path;
}

/**
 * The Pushgateway exporter: pushes the snapshot, in the Prometheus text format (the same page as
 * `/metrics`), to one group of a Prometheus Pushgateway, every `intervalMs` and once more at
 * shutdown. For batch jobs and other processes that end before Prometheus could scrape them;
 * Prometheus scrapes the Pushgateway with `honor_labels: true`.
 *
 * Pushes never overlap, a failed one is reported and not retried (the next is cumulative), and
 * `shutdown()` resolves within `shutdownTimeoutMs` even when the Pushgateway is down.
 *
 * @example
 * new TelemetryCollector({ exporter: "pushgateway", pushgateway: { url: "http://127.0.0.1:9091", groupingKey: { instance: "nightly-1" } } });
 */
export const createPushgatewayExporter: ExporterFactory<PushgatewayExporterOptions> = (setup, options) => {
  const name = "pushgateway";
  if (typeof options?.url !== "string" || options.url.trim() === "")
    throw new Error("pushgateway: option pushgateway.url (the Pushgateway's base URL) is required");
  const base = new URL(options.url);
  const job = options.job ?? setup.serviceName;
  const groupUrl = new URL(
    `${base.pathname.replace(/\/+$/, "")}${pushgatewayPath(job, options.groupingKey)}`,
    base,
  );
  const intervalMs = resolveExportIntervalMs(options.intervalMs, name, setup.diag);
  const timeoutMs = Math.min(
    durationOption(
      options.timeoutMs,
      { name: `${name}.timeoutMs`, defaultMs: DEFAULT_TIMEOUT_MS },
      setup.diag,
    ),
    intervalMs,
  );
  const method = options.method === "post" ? "POST" : "PUT";
  const headers = { ...options.headers };
  const request = (push: Omit<PushRequest, "url" | "headers" | "timeoutMs">): PushRequest => ({
    url: groupUrl,
    headers: { ...headers, ...(push.body === undefined ? {} : { "content-type": CONTENT_TYPES.text }) },
    timeoutMs,
    ...push,
  });
  const deleteOnSuccess = options.deleteOnSuccess === true;
  let finishing = false;
  const task = new PeriodicSnapshotTask({
    name,
    setup,
    intervalMs,
    shutdownTimeoutMs: resolveShutdownTimeoutMs(options.shutdownTimeoutMs, name, setup.diag),
    write: async (snapshot) => {
      // The last write of a successful end is the DELETE of close(), not one more push.
      if (deleteOnSuccess && finishing) return;
      await expectSuccess(request({ method, body: serializePrometheus(snapshot) }), name);
    },
    close: async () => {
      if (deleteOnSuccess) await expectSuccess(request({ method: "DELETE" }), name);
    },
  });
  const exporter: TelemetryExporter = {
    name,
    async start() {
      task.start();
    },
    forceFlush: () => task.forceFlush(),
    shutdown() {
      finishing = true;
      return task.shutdown();
    },
  };
  return exporter;
};
