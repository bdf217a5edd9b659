import { rename, rm } from "node:fs/promises";
import { countOption } from "../../config/count-option.js";
import { resolveExportIntervalMs, resolveShutdownTimeoutMs } from "../push/export-interval.js";
import { PeriodicSnapshotTask } from "../push/periodic-snapshot-task.js";
import { WholeSnapshotAppender } from "../push/whole-snapshot-appender.js";
import type { ExporterFactory, TelemetryExporter } from "../telemetry-exporter.js";
import { serializeCsv } from "./csv-serializer.js";

/** Options of the CSV file exporter (`exporter: "csv"`). */
export interface CsvExporterOptions {
  /** File the rows are appended to; rotated files are `<path>.1` (newest) to `<path>.<maxFiles>`. */
  readonly path: string;
  /**
   * Time between two snapshots, in milliseconds.
   * @default OTEL_METRIC_EXPORT_INTERVAL, else 60000
   */
  readonly intervalMs?: number;
  /**
   * Size in bytes past which the file is rotated before the next snapshot is appended.
   * @default 10485760 (10 MiB)
   */
  readonly maxBytes?: number;
  /**
   * Rotated files kept besides the current one; older ones are deleted. 0 keeps none.
   * @default 5
   */
  readonly maxFiles?: number;
  /**
   * Longest time `shutdown()` waits for its final write, in milliseconds.
   * @default 5000
   */
  readonly shutdownTimeoutMs?: number;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_MAX_FILES = 5;

/**
 * The CSV file exporter: every interval, appends one row per data point of the cumulative
 * snapshot (see {@link serializeCsv}); each file starts with the header row. When appending
 * would take the file past `maxBytes`, it is renamed to `<path>.1` first (older ones shift up).
 * A snapshot is appended whole or not at all, even across a crash (see {@link WholeSnapshotAppender});
 * failures are reported, never thrown.
 *
 * @example
 * createCsvExporter(setup, { path: "metrics.csv", intervalMs: 15_000, maxBytes: 5_000_000 });
 */
export const createCsvExporter: ExporterFactory<CsvExporterOptions> = (setup, options) => {
  const name = "csv";
  const path = options.path;
  const maxBytes = countOption(
    options.maxBytes,
    { name: "csv.maxBytes", defaultValue: DEFAULT_MAX_BYTES },
    setup.diag,
  );
  const maxFiles = countOption(
    options.maxFiles,
    { name: "csv.maxFiles", defaultValue: DEFAULT_MAX_FILES, min: 0, max: 1000 },
    setup.diag,
  );
  const appender = new WholeSnapshotAppender(path);

  async function rotate(): Promise<void> {
    await appender.close();
    if (maxFiles === 0) {
      await rm(path, { force: true });
      return;
    }
    await rm(`${path}.${maxFiles}`, { force: true });
    for (let i = maxFiles - 1; i >= 1; i--) {
      await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(ignoreMissing);
    }
    await rename(path, `${path}.1`);
  }

  const task = new PeriodicSnapshotTask({
    name,
    setup,
    intervalMs: resolveExportIntervalMs(options.intervalMs, name, setup.diag),
    shutdownTimeoutMs: resolveShutdownTimeoutMs(options.shutdownTimeoutMs, name, setup.diag),
    async write(snapshot) {
      const rows = serializeCsv(snapshot, { header: false });
      if (rows === "") return;
      let size = await appender.open();
      if (size > 0 && size + Buffer.byteLength(rows) > maxBytes) {
        await rotate();
        size = await appender.open();
      }
      await appender.append(size === 0 ? serializeCsv(snapshot) : rows);
    },
    close: () => appender.close(),
  });
  const exporter: TelemetryExporter = {
    name,
    async start() {
      // Recover at once: a snapshot cut by a crash of the previous run is removed before anyone
      // reads the file, not at the first interval. A failure is reported; the task retries.
      await appender.open().catch((error: unknown) => setup.reportFailure(name, error));
      task.start();
    },
    forceFlush: () => task.forceFlush(),
    shutdown: () => task.shutdown(),
  };
  return exporter;
};

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}
