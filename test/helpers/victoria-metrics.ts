import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type VectorSample, waitFor } from "./prometheus-server.js";

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
  const child: ChildProcess = spawn(
    options.binary,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir, "data")}`,
      "-retentionPeriod=1d",
      "-search.latencyOffset=0s",
      "-search.disableCache",
      "-loggerLevel=ERROR",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor("victoria-metrics to be ready", 20_000, async () => {
      if (child.exitCode !== null) throw new Error(`victoria-metrics exited: ${stderr}`);
      return (await fetch(`${url}/health`)).ok;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    remoteWriteUrl: `${url}/api/v1/write`,
    async query(expr, timeSeconds) {
      const params = new URLSearchParams({ query: expr });
      if (timeSeconds !== undefined) params.set("time", String(timeSeconds));
      const response = await fetch(`${url}/api/v1/query`, { method: "POST", body: params });
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== "success") throw new Error(`MetricsQL ${expr}: ${body.error}`);
      return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async flush() {
      await fetch(`${url}/internal/force_flush`);
    },
    async residentBytes() {
      const text = await (await fetch(`${url}/metrics`)).text();
      const match = /^process_resident_memory_bytes (\S+)$/m.exec(text);
      return match ? Number(match[1]) : Number.NaN;
    },
    stop,
  };
}
