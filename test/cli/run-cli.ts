import { spawn } from "node:child_process";
import { join } from "node:path";

const REPO = join(import.meta.dirname, "..", "..");
const TSX = join(REPO, "node_modules", ".bin", "tsx");

/** What one run of the CLI printed and how it exited. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `zoran-telemetrie <args>` from the sources (`tsx src/cli/main.ts`, as `npm start` does)
 * and resolves when it exits (SIGKILL after `timeoutMs`, then the status is null).
 */
export function runCli(
  args: readonly string[],
  options: { onStderr?: (all: string) => void; timeoutMs?: number } = {},
): Promise<CliRun> {
  const child = spawn(TSX, [join(REPO, "src", "cli", "main.ts"), ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    options.onStderr?.(stderr);
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  return new Promise((resolve) => {
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
