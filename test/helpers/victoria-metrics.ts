import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type VectorSample } from "./prometheus-server.js";
import { instantQuery, residentBytes, startServerProcess } from "./server-process.js";

/** A real VictoriaMetrics (single node) started for a test, on 127.0.0.1. */
export interface VictoriaMetricsServer {
  /** Base URL, e.g. `http://127.0.0.1:8428`. */
  readonly url: string;
  /** Prometheus `remote_write` endpoint of this server. */
  readonly remoteWriteUrl: string;
  /** Runs an instant PromQL (MetricsQL) query at `timeSeconds` (default now); rejects on an error. */
  query(expr: string, timeSeconds?: number): Promise<VectorSample[]>;
  /** Makes every sample received so far searchable (VictoriaMetrics buffers recent rows). */
  flush(): Promise<void>;
  /** Resident memory of the server process, in bytes (its own `process_resident_memory_bytes`). */
  residentBytes(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `victoria-metrics` (the Debian 1.79 binary) with a throwaway storage directory, ready
 * to receive Prometheus `remote_write`. Fresh samples are queryable at once: the 30 s default
 * `-search.latencyOffset` (which hides the newest samples from queries) is set to 0 and the
 * rollup cache is off, so a query sees what was just written (`-dedup.minScrapeInterval` is
 * left unset: every sample is kept).
 */
export async function startVictoriaMetrics(options: { binary: string }): Promise<VictoriaMetricsServer> {
  const dir = mkdtempSync(join(tmpdir(), "zoran-victoria-"));
  const port = await freePort();
  const server = await startServerProcess({
    name: "victoria-metrics",
    binary: options.binary,
    args: [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir, "data")}`,
      "-retentionPeriod=1d",
      "-search.latencyOffset=0s",
      "-search.disableCache",
      "-loggerLevel=ERROR",
    ],
    port,
    dir,
    readyPath: "/health",
    timeoutMs: 20_000,
  });
  const { url, stop } = server;
  return {
    url,
    remoteWriteUrl: `${url}/api/v1/write`,
    query: (expr, timeSeconds) => instantQuery(url, expr, timeSeconds),
    async flush() {
      await fetch(`${url}/internal/force_flush`);
    },
    residentBytes: () => residentBytes(url),
    stop,
  };
}
