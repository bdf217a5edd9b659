import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { waitFor } from "./prometheus-server.js";

/** A real server binary started by a test on 127.0.0.1, and how to stop it. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Base URL, e.g. `http://127.0.0.1:9090`. */
  readonly url: string;
  /** SIGTERM, SIGKILL after 5 s, then the working directory removed. */
  stop(): Promise<void>;
}

/**
 * Spawns `binary` with `args`, keeps the tail of its stderr for errors, and waits until
 * `GET <url><readyPath>` answers 2xx (or throws, having stopped it, after `timeoutMs`).
 * `dir` is the server's throwaway working directory, removed by `stop()`.
 */
export async function startServerProcess(options: {
  name: string;
  binary: string;
  args: string[];
  port: number;
  dir: string;
  readyPath: string;
  timeoutMs: number;
}): Promise<ServerProcess> {
  const child = spawn(options.binary, options.args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(options.dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${options.name} to be ready`, options.timeoutMs, async () => {
      if (child.exitCode !== null) throw new Error(`${options.name} exited: ${stderr}`);
      return (await fetch(`${url}${options.readyPath}`)).ok;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, url, stop };
}

/** One instant-vector result of a Prometheus-compatible HTTP API. */
export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}

/** Runs an instant PromQL/MetricsQL query at `timeSeconds` (default now); rejects on a query error. */
export async function instantQuery(
  url: string,
  expr: string,
  timeSeconds?: number,
): Promise<InstantSample[]> {
  const params = new URLSearchParams({ query: expr });
  if (timeSeconds !== undefined) params.set("time", String(timeSeconds));
  const response = await fetch(`${url}/api/v1/query`, { method: "POST", body: params });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** A server's own resident memory, from its `process_resident_memory_bytes`, in bytes. */
export async function residentBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^process_resident_memory_bytes (\S+)$/m.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}
