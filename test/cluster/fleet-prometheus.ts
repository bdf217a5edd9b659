/**
 * A real Prometheus 2.42 for fleet tests, running the shipped deploy/prometheus/prometheus.yml:
 * targets found through file-based service discovery (a JSON targets file the test writes), and
 * optionally `remote_write` to another engine (VictoriaMetrics).
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { freePort, type VectorSample } from "../helpers/prometheus-server.js";
import { instantQuery, residentBytes, startServerProcess } from "../helpers/server-process.js";

/** A Prometheus server discovering its targets from a file. */
export interface FleetPrometheus {
  readonly url: string;
  /** Replaces the file-SD targets file (atomically: Prometheus never reads half a file). */
  setTargets(targets: readonly string[], labels?: Record<string, string>): void;
  /** Instant query at `timeSeconds` (default now); rejects on a PromQL error. */
  query(expr: string, timeSeconds?: number): Promise<VectorSample[]>;
  /** Resident memory of the server, in bytes (its own `process_resident_memory_bytes`). */
  residentBytes(): Promise<number>;
  stop(): Promise<void>;
}

/** Options of {@link startFleetPrometheus}. */
export interface FleetPrometheusOptions {
  binary: string;
  job: string;
  scrapeIntervalSeconds?: number;
  /** Prometheus `remote_write` URL, e.g. VictoriaMetrics' `/api/v1/write`. */
  remoteWriteUrl?: string;
}

const REPO = join(import.meta.dirname, "..", "..");

/**
 * The shipped deploy/prometheus/prometheus.yml, pointed at this test: its targets directory, its
 * rule file from the repository, a short interval, and the given remote-write URL (remote write
 * is dropped without one). Everything else (sample_limit, queue sizes, external labels) is as
 * shipped, so the fleet test runs the configuration users copy.
 */
function shippedConfig(options: FleetPrometheusOptions, sdDir: string, interval: number): string {
  const config = parse(readFileSync(join(REPO, "deploy/prometheus/prometheus.yml"), "utf8"));
  config.global.scrape_interval = `${interval}s`;
  config.global.scrape_timeout = `${interval}s`;
  config.global.evaluation_interval = "1s";
  config.rule_files = [join(REPO, "dashboards/prometheus/zoran-telemetrie.rules.yml")];
  const [job] = config.scrape_configs;
  job.job_name = options.job;
  job.file_sd_configs = [{ files: [join(sdDir, "*.json")], refresh_interval: "1s" }];
  if (options.remoteWriteUrl === undefined) delete config.remote_write;
  else {
    config.remote_write[0].url = options.remoteWriteUrl;
    // Sent within a second of the scrape: the test reads the other engine soon after.
    config.remote_write[0].queue_config.batch_send_deadline = "1s";
  }
  return stringify(config);
}

/** Starts Prometheus with file-based service discovery (no targets yet) and waits until it is ready. */
export async function startFleetPrometheus(options: FleetPrometheusOptions): Promise<FleetPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "zoran-fleet-prometheus-"));
  const sdDir = join(dir, "targets");
  mkdirSync(sdDir);
  const interval = options.scrapeIntervalSeconds ?? 1;
  writeFileSync(join(dir, "prometheus.yml"), shippedConfig(options, sdDir, interval));
  const port = await freePort();
  const server = await startServerProcess({
    name: "prometheus",
    binary: options.binary,
    args: [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    port,
    dir,
    readyPath: "/-/ready",
    timeoutMs: 30_000,
  });
  const { url, stop } = server;
  return {
    url,
    setTargets(targets, labels = {}) {
      const file = join(sdDir, "fleet.json");
      writeFileSync(`${file}.tmp`, JSON.stringify([{ targets, labels }]));
      renameSync(`${file}.tmp`, file);
    },
    query: (expr, timeSeconds) => instantQuery(url, expr, timeSeconds),
    residentBytes: () => residentBytes(url),
    stop,
  };
}
