import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const REPO = join(import.meta.dirname, "..", "..");
const TSX = join(REPO, "node_modules", ".bin", "tsx");

/** A running example: its first JSON line on stdout, everything it printed, and how to stop it. */
export interface RunningExample {
  readonly ready: Record<string, unknown>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Sends SIGTERM and resolves with the exit code (rejects after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Resolves with the exit code once the example exits by itself. */
  exited(timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts `npx tsx examples/<file>` and waits (bounded) for its first stdout line that parses as
 * JSON, which the examples print once they listen. Rejects if it exits or times out first.
 */
export function startExample(
  file: string,
  env: Record<string, string> = {},
  readyTimeoutMs = 20_000,
): Promise<RunningExample> {
  const child = spawn(TSX, [join("examples", file)], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${file} not ready within ${readyTimeoutMs} ms\n${out}\n${err}`));
    }, readyTimeoutMs);
    let ready = false;
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (ready) return;
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          ready = true;
          clearTimeout(timer);
          resolve(
            running(
              child,
              parsed,
              () => out,
              () => err,
              exit,
            ),
          );
          return;
        } catch {
          // not a complete JSON line yet
        }
      }
    });
    void exit.then((code) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before it was ready\n${out}\n${err}`));
    });
  });
}

/** Runs `npx tsx examples/<file>` to completion (bounded) and returns its exit code and output. */
export async function runExample(
  file: string,
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(TSX, [join("examples", file)], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const code = await withTimeout(
    new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode))),
    timeoutMs,
    () => child.kill("SIGKILL"),
    `${file} did not finish within ${timeoutMs} ms`,
  );
  return { code, stdout, stderr };
}

function running(
  child: ChildProcess,
  ready: Record<string, unknown>,
  stdout: () => string,
  stderr: () => string,
  exit: Promise<number | null>,
): RunningExample {
  const exited = (timeoutMs = 15_000) =>
    withTimeout(exit, timeoutMs, () => child.kill("SIGKILL"), `example did not exit within ${timeoutMs} ms`);
  return {
    ready,
    stdout,
    stderr,
    exited,
    stop(timeoutMs) {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited(timeoutMs);
    },
  };
}

async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => void,
  message: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          onTimeout();
          reject(new Error(message));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
