/**
 * Starts a fleet of collector instances, each its own Node process on 127.0.0.1 (fleet-instance.ts),
 * for the fleet test and the scaling measurements. The instance script is bundled once with
 * esbuild (tsup's own bundler) into a plain .mjs: twenty `tsx` processes would each run a
 * TypeScript loader and an esbuild service (~100 MB and seconds of boot apiece, on two cores).
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

/** One running instance. */
export interface FleetInstance {
  readonly index: number;
  /** `127.0.0.1:port`, the scrape target. */
  readonly address: string;
  readonly child: ChildProcess;
  /** Starts the workload for `durationSeconds`; resolves when the instance recorded all of it. */
  run(durationSeconds: number): Promise<number>;
}

/** A started fleet. */
export interface Fleet {
  readonly instances: readonly FleetInstance[];
  /** Resident memory of every instance process, in bytes (from /proc). */
  residentBytes(): number[];
  stop(): Promise<void>;
}

/** Bundles fleet-instance.ts into `dir` and returns the .mjs path. */
async function bundleInstance(dir: string): Promise<string> {
  const outfile = join(dir, "fleet-instance.mjs");
  await build({
    entryPoints: [join(import.meta.dirname, "fleet-instance.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    // CommonJS dependencies inside an ES module bundle still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return outfile;
}

/**
 * Starts `count` instances (in parallel batches, bounded), each announcing its port; rejects if
 * one has not announced within `timeoutMs`.
 */
export async function startFleet(
  count: number,
  options: { series?: number; timeoutMs?: number } = {},
): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), "zoran-fleet-"));
  const script = await bundleInstance(dir);
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const instances: FleetInstance[] = [];
    const batch = 5;
    for (let first = 0; first < count; first += batch) {
      const started = await Promise.all(
        Array.from({ length: Math.min(batch, count - first) }, (_, j) =>
          startInstance(script, first + j, options.series ?? 0, options.timeoutMs ?? 30_000, children),
        ),
      );
      instances.push(...started);
    }
    return {
      instances,
      residentBytes: () => children.map(residentBytesOf),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startInstance(
  script: string,
  index: number,
  series: number,
  timeoutMs: number,
  children: ChildProcess[],
): Promise<FleetInstance> {
  const child = fork(script, [], {
    // Not the parent's flags: a test runs under tsx, and the bundle needs no loader.
    execArgv: [],
    env: { ...process.env, FLEET_INDEX: String(index), FLEET_SERIES: String(series) },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + String(chunk)).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`fleet instance ${index} did not start: ${stderr}`)),
      timeoutMs,
    );
    child.once("exit", (code) => reject(new Error(`fleet instance ${index} exited ${code}: ${stderr}`)));
    child.on("message", (message: { url?: string }) => {
      if (typeof message?.url !== "string") return;
      clearTimeout(timer);
      resolve({
        index,
        address: new URL(message.url).host,
        child,
        run(durationSeconds) {
          return new Promise((done) => {
            const onDone = (m: { done?: number }) => {
              if (typeof m?.done !== "number") return;
              child.off("message", onDone);
              done(m.done);
            };
            child.on("message", onDone);
            child.send({ go: durationSeconds });
          });
        },
      });
    });
  });
}

function residentBytesOf(child: ChildProcess): number {
  try {
    // /proc/<pid>/statm: size resident shared ... in pages (4 KiB here).
    const statm = readFileSync(`/proc/${child.pid}/statm`, "utf8");
    return Number(statm.split(" ")[1]) * 4096;
  } catch {
    return Number.NaN;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
