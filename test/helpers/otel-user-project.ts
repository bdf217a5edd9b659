import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";

/**
 * A user's project on one OpenTelemetry line: the packed `zoran-telemetrie` installed from its
 * tarball beside the application's own OpenTelemetry packages, with the `node` that runs the
 * tests (so npm's engine-aware resolution picks what a user on that Node gets).
 *
 * Written for the interop tests (test/integration/otel-interop*.test.ts) before the package tier's
 * shared helper (test/package/installed-package.ts) reached main; it packs the same way, once
 * per build-input hash, under `.tmp/interop/`.
 */

const REPO = join(import.meta.dirname, "..", "..");
const CACHE = join(REPO, ".tmp", "interop");
const BUILD_INPUTS = [
  "src",
  "dashboards",
  "package.json",
  "package-lock.json",
  "tsup.config.ts",
  "tsconfig.json",
];
/** npm has been seen resolving for minutes on OpenTelemetry ranges (DESIGN §6): bounded. */
const NPM_TIMEOUT_MS = 300_000;

/** The OpenTelemetry packages an application of one line depends on, at that line's versions. */
export interface OtelLine {
  readonly name: "2.x" | "3.x";
  /** npm specs by package name. */
  readonly packages: Readonly<Record<string, string>>;
}

/** The two lines the library supports (DESIGN §6). */
export const OTEL_LINES: Readonly<Record<OtelLine["name"], OtelLine>> = {
  "2.x": {
    name: "2.x",
    packages: {
      "@opentelemetry/api": "~1.9.0",
      "@opentelemetry/sdk-node": "0.223.0",
      "@opentelemetry/instrumentation": "0.223.0",
      "@opentelemetry/instrumentation-http": "0.223.0",
      "@opentelemetry/sdk-metrics": "2.12.0",
      "@opentelemetry/sdk-trace": "2.12.0",
      "@opentelemetry/exporter-trace-otlp-http": "0.223.0",
      "@opentelemetry/exporter-metrics-otlp-http": "0.223.0",
    },
  },
  "3.x": {
    name: "3.x",
    packages: {
      "@opentelemetry/api": "~1.10.0",
      "@opentelemetry/sdk-node": "0.301.0",
      "@opentelemetry/instrumentation": "0.301.0",
      "@opentelemetry/instrumentation-http": "0.301.0",
      "@opentelemetry/sdk-metrics": "3.1.0",
      "@opentelemetry/sdk-trace": "3.1.0",
      "@opentelemetry/exporter-trace-otlp-http": "0.301.0",
      "@opentelemetry/exporter-metrics-otlp-http": "0.301.0",
    },
  },
};

/**
 * The line a user on this Node runs: 3.x needs Node >= 22.15 (its `engines`), 2.x otherwise.
 * `ZORAN_OTEL_LINE=2.x` runs the older line on a newer Node (both are supported there).
 */
export function lineForThisNode(): OtelLine {
  const forced = process.env.ZORAN_OTEL_LINE;
  if (forced === "2.x" || forced === "3.x") return OTEL_LINES[forced];
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 15) ? OTEL_LINES["3.x"] : OTEL_LINES["2.x"];
}

/** A scratch project with the packed package and one line's OpenTelemetry packages. */
export interface OtelUserProject {
  readonly dir: string;
  readonly line: OtelLine;
  /** Runs `node <file>` in the project (the file written there first) and returns its output. */
  run(file: string, source: string, env?: NodeJS.ProcessEnv): Promise<ProcessOutput>;
}

export interface ProcessOutput {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Packs once, installs once per (tarball, line, Node major); later calls reuse both. */
export async function otelUserProject(line: OtelLine): Promise<OtelUserProject> {
  const tarball = await withLock(() => packOnce());
  const node = process.execPath;
  const nodeMajor = process.versions.node.split(".")[0];
  const key = createHash("sha256")
    .update(`${sha256(tarball)}\0${JSON.stringify(line.packages)}\0${nodeMajor}`)
    .digest("hex")
    .slice(0, 16);
  const dir = join(tmpdir(), `zoran-interop-${line.name}-node${nodeMajor}-${key}`);
  const marker = join(dir, ".installed");
  if (!existsSync(marker)) {
    await withLock(async () => {
      if (existsSync(marker)) return;
      // One project per line and Node major: older installs of the same pair are stale.
      const prefix = `zoran-interop-${line.name}-node${nodeMajor}-`;
      for (const entry of readdirSync(tmpdir()))
        if (entry.startsWith(prefix)) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      copyFileSync(tarball, join(dir, "zoran-telemetrie.tgz"));
      writeFileSync(
        join(dir, "package.json"),
        JSON.stringify({ name: "otel-app", version: "1.0.0", private: true }),
      );
      const specs = Object.entries(line.packages).map(([name, spec]) => `${name}@${spec}`);
      const started = Date.now();
      const result = await runNpm(dir, [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        ...specs,
        "./zoran-telemetrie.tgz",
      ]);
      if (result.status !== 0)
        throw new Error(
          `npm install in ${dir} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
        );
      console.log(
        `[interop] npm install (${line.name}, Node ${process.versions.node}): ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      writeFileSync(marker, "ok");
    });
  }
  return {
    dir,
    line,
    run(file, source, env = {}) {
      writeFileSync(join(dir, file), source);
      return runProcess(node, [file], { cwd: dir, env: { ...userEnv(), ...env }, timeoutMs: 90_000 });
    },
  };
}

/** The tarball of the current build inputs, packed (build included) at most once. */
async function packOnce(): Promise<string> {
  const key = buildInputsKey().slice(0, 16);
  const dir = join(CACHE, `pack-${key}`);
  const done = join(dir, "tarball");
  if (existsSync(done)) {
    const tarball = readFileSync(done, "utf8");
    if (existsSync(tarball)) return tarball;
  }
  if (existsSync(CACHE))
    for (const entry of readdirSync(CACHE))
      if (entry.startsWith("pack-") && entry !== `pack-${key}`)
        rmSync(join(CACHE, entry), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  // Packed with the machine's node (the build is the same on every Node the tests run on).
  const result = await runProcess("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: REPO,
    env: userEnv(),
    timeoutMs: NPM_TIMEOUT_MS,
  });
  if (result.status !== 0)
    throw new Error(`npm pack failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  const file = readdirSync(dir).find((name) => name.endsWith(".tgz"));
  if (file === undefined) throw new Error(`npm pack wrote no tarball:\n${result.stdout}`);
  console.log(`[interop] npm pack (build included): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  writeFileSync(done, join(dir, file));
  return join(dir, file);
}

/** npm's own CLI run by the Node of this test run, first on PATH for anything npm spawns. */
function runNpm(cwd: string, args: readonly string[]): Promise<ProcessOutput> {
  const npmCli = realpathSync(execFileSync("which", ["npm"], { encoding: "utf8" }).trim());
  return runProcess(process.execPath, [npmCli, ...args], { cwd, env: userEnv(), timeoutMs: NPM_TIMEOUT_MS });
}

/**
 * The environment of a user's shell: without what `npm test` exported about this repository
 * (`npm_*`, `INIT_CWD`, which would point npm back at it), without the repository's
 * `node_modules/.bin` on PATH, and with this run's `node` first.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    const lower = name.toLowerCase();
    if (lower.startsWith("npm_") && lower !== "npm_config_cache" && lower !== "npm_config_registry") continue;
    if (name === "INIT_CWD" || name === "NODE_OPTIONS" || name.startsWith("VITEST")) continue;
    env[name] = value;
  }
  const path = (process.env.PATH ?? "").split(delimiter).filter((entry) => !entry.startsWith(REPO));
  env.PATH = [dirname(process.execPath), ...path].join(delimiter);
  env.npm_config_update_notifier = "false";
  return env;
}

function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function buildInputsKey(): string {
  const hash = createHash("sha256");
  const visit = (path: string) => {
    const full = join(REPO, path);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full).sort()) visit(join(path, entry));
      return;
    }
    hash.update(`${path}\0`).update(readFileSync(full)).update("\0");
  };
  for (const input of BUILD_INPUTS) visit(input);
  return hash.digest("hex");
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Runs `fn` holding `.tmp/interop/lock` (an atomic mkdir): parallel test files pack and install once. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(CACHE, { recursive: true });
  const lock = join(CACHE, "lock");
  const deadline = Date.now() + 2 * NPM_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "owner"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (lockOwnerGone(lock)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} still held`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockOwnerGone(lock: string): boolean {
  try {
    process.kill(Number(readFileSync(join(lock, "owner"), "utf8")), 0);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return true;
    // No owner file yet: gone only if it stayed so for long.
    try {
      return code === "ENOENT" && Date.now() - statSync(lock).mtimeMs > 10_000;
    } catch {
      return false;
    }
  }
}
