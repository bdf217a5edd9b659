import { resolveExportIntervalMs, resolveShutdownTimeoutMs } from "../push/export-interval.js";
import { PeriodicSnapshotTask } from "../push/periodic-snapshot-task.js";
import { WholeSnapshotAppender } from "../push/whole-snapshot-appender.js";
import type { ExporterFactory, TelemetryExporter } from "../telemetry-exporter.js";
import { serializeJsonLines } from "./json-lines-serializer.js";

/** Options of the JSON Lines exporter (`exporter: "json"`). */
export interface JsonExporterOptions {
  /** File the snapshots are appended to, one OTLP/JSON request per line (`.jsonl`). */
  readonly path?: string;
  /**
   * Also write each line to standard output.
   * @default true when no `path` is given, else false
   */
  readonly stdout?: boolean;
  /**
   * Time between two snapshots, in milliseconds.
   * @default OTEL_METRIC_EXPORT_INTERVAL, else 60000
   */
  readonly intervalMs?: number;
  /**
   * Longest time `shutdown()` waits for its final write, in milliseconds.
   * @default 5000
   */
  readonly shutdownTimeoutMs?: number;
}

/**
 * The JSON Lines exporter: every interval, appends the cumulative snapshot as one line of the
 * OpenTelemetry file-exporter format (see {@link serializeJsonLines}) to a file and/or stdout.
 * Lines are appended whole (see {@link WholeSnapshotAppender}, one snapshot per line); a full disk or an unwritable
 * directory is reported through `setup.reportFailure` and the next interval tries again.
 *
 * @example
 * createJsonExporter(setup, { path: "/var/log/zoran/metrics.jsonl", intervalMs: 10_000 });
 */
export const createJsonExporter: ExporterFactory<JsonExporterOptions> = (setup, options = {}) => {
  const name = "json";
  const appender =
    options.path === undefined ? undefined : new WholeSnapshotAppender(options.path, { commitFile: false });
  const toStdout = options.stdout ?? options.path === undefined;
  const task = new PeriodicSnapshotTask({
    name,
    setup,
    intervalMs: resolveExportIntervalMs(options.intervalMs, name, setup.diag),
    shutdownTimeoutMs: resolveShutdownTimeoutMs(options.shutdownTimeoutMs, name, setup.diag),
    async write(snapshot) {
      const line = `${serializeJsonLines(snapshot)}\n`;
      if (toStdout) await writeStdout(line);
      await appender?.append(line);
    },
    close: async () => appender?.close(),
  });
  const exporter: TelemetryExporter = {
    name,
    async start() {
      task.start();
    },
    forceFlush: () => task.forceFlush(),
    shutdown: () => task.shutdown(),
  };
  return exporter;
};

/** Writes to stdout and waits until the stream took it (or failed, e.g. EPIPE). */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
