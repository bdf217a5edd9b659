import { spawn } from "node:child_process";
import { delimiter, dirname, isAbsolute, join, relative, resolve } from "node:path";

const REPO = join(import.meta.dirname, "..", "..");

/** How a finished process ended, and what it printed. */
export interface ProcessResult {
  /** Exit code; `null` when it was killed (see `signal`). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  readonly cwd: string;
  /** Killed (SIGTERM, then SIGKILL 5 s later) past this. */
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command to its end without a shell and without stdin (as under CI), bounded by
 * `timeoutMs`. Never rejects for a non-zero exit: the caller asserts on the result.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let kill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      if (kill !== undefined) clearTimeout(kill);
      if (timedOut) stderr += `\n[killed after ${options.timeoutMs} ms: ${command} ${args.join(" ")}]`;
      resolve({ status, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * The environment of a user's process: the test runner's, without what would change how the
 * package behaves (`OTEL_*`, `NODE_OPTIONS`, vitest's and npm's variables), with the `node` that
 * runs the tests first on `PATH` (the bin's `#!/usr/bin/env node` then runs on it too).
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(OTEL_|VITEST|npm_)/i.test(name) || name === "NODE_OPTIONS" || name === "INIT_CWD") continue;
    env[name] = value;
  }
  env.PATH = [dirname(process.execPath), ...pathOutsideRepo()].join(delimiter);
  return { ...env, ...extra };
}

/**
 * `PATH` without the repository's directories (`npm test` puts `node_modules/.bin` first): a
 * user's process finds nothing of the repository.
 */
export function pathOutsideRepo(): string[] {
  return (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "" && !isInside(REPO, dir));
}

function isInside(parent: string, path: string): boolean {
  const rel = relative(parent, resolve(path));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}
