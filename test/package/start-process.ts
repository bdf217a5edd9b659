import { type ChildProcess, spawn } from "node:child_process";

/** A long-running process of the tier (the demo, a user's service) and what it printed. */
export interface StartedProcess {
  readonly child: ChildProcess;
  /** The groups of the first match of `readyPattern` in its output. */
  readonly ready: RegExpExecArray;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** stderr alone so far: warnings of the package land there (its logger is loud by default). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code (`null` when killed). */
  stop(): Promise<number | null>;
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Printed once the process serves (e.g. its URL): start resolves then. */
  readonly readyPattern: RegExp;
  /** Longest wait for `readyPattern`. @default 30000 */
  readonly readyTimeoutMs?: number;
}

/**
 * Starts a process without stdin and waits (polling, with a deadline) until it prints
 * `readyPattern`. It rejects, after killing the process, when that does not come in time or the
 * process exits first; the caller stops it otherwise.
 */
export async function startProcess(
  command: string,
  args: readonly string[],
  options: StartProcessOptions,
): Promise<StartedProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const stop = (): Promise<number | null> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.once("exit", (code) => {
        clearTimeout(kill);
        resolve(code);
      });
      child.kill("SIGTERM");
    });

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = options.readyPattern.exec(output);
    if (ready) return { child, ready, output: () => output, stderr: () => stderr, stop };
    const ended = spawnError ?? (child.exitCode !== null ? `exited with ${child.exitCode}` : undefined);
    if (ended !== undefined || Date.now() > deadline) {
      await stop();
      const why = ended ?? `did not print ${options.readyPattern} within ${timeoutMs} ms`;
      throw new Error(`${command} ${args.join(" ")} ${String(why)}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
