import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const REPO = join(import.meta.dirname, "..", "..");
const TSX = join(REPO, "node_modules", ".bin", "tsx");

/** A `zoran-telemetrie demo` process started from the sources, and the URL it printed. */
export interface DemoProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything the demo printed so far. */
  output(): string;
  /** Sends SIGINT and resolves with the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

/** Starts the demo with `args` and waits for it to print its metrics URL. */
export async function spawnDemo(args: string[], timeoutMs = 30_000): Promise<DemoProcess> {
  const child = spawn(TSX, [join(REPO, "src", "cli", "main.ts"), "demo", ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start in time:\n${output}`)), timeoutMs);
    const poll = setInterval(() => {
      const match = /metrics:\s+(http:\/\/\S+)\/metrics/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match[1]!);
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`demo exited with ${child.exitCode}:\n${output}`));
      }
    }, 50);
  });
  return {
    child,
    url,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        child.kill("SIGINT");
      }),
  };
}
