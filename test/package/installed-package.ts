import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { pathOutsideRepo, runProcess } from "./run-process.js";

const REPO = join(import.meta.dirname, "..", "..");
/** Lock and cache of this tier, inside the repository (ignored by git). */
const CACHE = join(REPO, ".tmp", "package-tier");
const LOCK = join(CACHE, "lock");
/** What the build reads: a change in any of these is a new package. */
const BUILD_INPUTS = [
  "src",
  "dashboards",
  "package.json",
  "package-lock.json",
  "tsup.config.ts",
  "tsconfig.json",
  "README.md",
  "LICENSE",
];
/** npm has been seen resolving for minutes (with conflicting OpenTelemetry ranges): every npm call is bounded. */
const PACK_TIMEOUT_MS = 300_000;
const INSTALL_TIMEOUT_MS = 300_000;
/** Longest wait for another test file (or run) that is packing or installing. */
const LOCK_TIMEOUT_MS = PACK_TIMEOUT_MS + INSTALL_TIMEOUT_MS + 60_000;

/** `zoran-telemetrie` packed by `npm pack` and installed from the tarball in a scratch project. */
export interface InstalledPackage {
  /** The scratch project, outside the repository (its `node_modules` holds the package). */
  readonly projectDir: string;
  /** `node_modules/zoran-telemetrie` of the scratch project. */
  readonly packageDir: string;
  /** The installed binary, `node_modules/.bin/zoran-telemetrie`. */
  readonly bin: string;
  /** The tarball `npm pack` wrote. */
  readonly tarball: string;
  /** SHA-256 of the tarball. */
  readonly sha256: string;
  /** Paths inside the tarball, as `npm pack --json` listed them (`dist/index.js`, ...). */
  readonly files: readonly string[];
}

interface PackRecord {
  readonly tarball: string;
  readonly sha256: string;
  readonly files: readonly string[];
}

let installed: Promise<InstalledPackage> | undefined;

/**
 * The package as users get it, built once per test run: `npm pack` (its `prepack` runs the
 * build), then `npm install --prefer-offline` of the tarball into a scratch project in the OS
 * temp directory, so that nothing resolves through the repository's own `node_modules`.
 *
 * Test files run in parallel workers: a lock directory under `.tmp/package-tier/` makes one pack
 * and one install, the others wait and reuse them. The tarball is cached under a key of the build
 * inputs (sources, lockfile, build config), the scratch project under the tarball's hash, so a run
 * with nothing changed neither builds nor installs.
 */
export function installedPackage(): Promise<InstalledPackage> {
  installed ??= withLock(prepare);
  return installed;
}

async function prepare(): Promise<InstalledPackage> {
  const pack = await packOnce();
  const projectDir = join(tmpdir(), `zoran-telemetrie-package-${repoKey()}-${pack.sha256.slice(0, 16)}`);
  const marker = join(projectDir, ".installed");
  if (existsSync(marker) && readFileSync(marker, "utf8") === pack.sha256) {
    log(`reusing the install of ${pack.sha256.slice(0, 12)} in ${projectDir}`);
  } else {
    await install(pack, projectDir);
    writeFileSync(marker, pack.sha256);
  }
  return {
    projectDir,
    packageDir: join(projectDir, "node_modules", "zoran-telemetrie"),
    bin: join(projectDir, "node_modules", ".bin", "zoran-telemetrie"),
    ...pack,
  };
}

/** Packs the repository, or reuses the tarball of the same build inputs. */
async function packOnce(): Promise<PackRecord> {
  const key = buildInputsKey();
  const dir = join(CACHE, `pack-${key.slice(0, 16)}`);
  const record = join(dir, "pack.json");
  if (existsSync(record)) {
    const pack = JSON.parse(readFileSync(record, "utf8")) as PackRecord;
    if (existsSync(pack.tarball) && sha256(pack.tarball) === pack.sha256) {
      log(`reusing ${relative(REPO, pack.tarball)} (build inputs unchanged)`);
      return pack;
    }
  }
  removeSiblings(CACHE, "pack-", dir);
  // Under the lock, a staging directory is what a killed run left behind.
  removeSiblings(CACHE, "staging-", "");
  const staging = mkdtempSync(join(CACHE, "staging-"));
  try {
    const started = Date.now();
    // `npm pack --json` prints the build's output (prepack) first, then the JSON report.
    const result = await runProcess("npm", ["pack", "--json", "--pack-destination", staging], {
      cwd: REPO,
      timeoutMs: PACK_TIMEOUT_MS,
      env: npmEnv(),
    });
    if (result.status !== 0) {
      throw new Error(`npm pack failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    const report = parsePackReport(result.stdout);
    log(`npm pack (build included): ${seconds(Date.now() - started)}, ${report.files.length} files`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    const tarball = join(dir, report.filename);
    const pack: PackRecord = { tarball, sha256: sha256(tarball), files: report.files };
    writeFileSync(record, JSON.stringify(pack, null, 2));
    return pack;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Installs the tarball in a fresh scratch project, as `npm install ./zoran-telemetrie-x.tgz`. */
async function install(pack: PackRecord, projectDir: string): Promise<void> {
  removeSiblings(tmpdir(), `zoran-telemetrie-package-${repoKey()}-`, projectDir);
  rmSync(projectDir, { recursive: true, force: true });
  mkdirSync(projectDir, { recursive: true });
  writeFileSync(
    join(projectDir, "package.json"),
    `${JSON.stringify({ name: "zoran-package-consumer", version: "1.0.0", private: true }, null, 2)}\n`,
  );
  const tarball = join(projectDir, "zoran-telemetrie.tgz");
  copyFileSync(pack.tarball, tarball);
  const started = Date.now();
  // Optional peers (`@opentelemetry/instrumentation` for zoran-telemetrie/instrumentation) at the
  // versions the repository tests with, as a user of every entry point installs them.
  const result = await runProcess(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "./zoran-telemetrie.tgz", ...optionalPeers()],
    { cwd: projectDir, timeoutMs: INSTALL_TIMEOUT_MS, env: npmEnv() },
  );
  if (result.status !== 0) {
    throw new Error(
      `npm install of the tarball failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  log(`npm install of the tarball: ${seconds(Date.now() - started)} in ${projectDir}`);
}

/** `name@version` of each optional peer dependency, at the version installed in the repository. */
function optionalPeers(): string[] {
  const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  return Object.entries(manifest.peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta.optional === true)
    .map(([name]) => {
      const installed = JSON.parse(
        readFileSync(join(REPO, "node_modules", name, "package.json"), "utf8"),
      ) as {
        version: string;
      };
      return `${name}@${installed.version}`;
    });
}

function parsePackReport(stdout: string): { filename: string; files: string[] } {
  const start = stdout.lastIndexOf("\n[");
  const json = JSON.parse(stdout.slice(start + 1)) as {
    filename: string;
    files: { path: string }[];
  }[];
  const report = json[0]!;
  return { filename: report.filename, files: report.files.map((file) => file.path).sort() };
}

/** Hash of every build input's path and content. */
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

/** Short hash of the repository's path: worktrees of the same project get their own scratch dirs. */
function repoKey(): string {
  return createHash("sha256").update(REPO).digest("hex").slice(0, 8);
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Removes the older entries `prefix*` of `dir`, keeping `keep`: one cached pack, one project. */
function removeSiblings(dir: string, prefix: string, keep: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry.startsWith(prefix) && path !== keep) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * The environment for npm: without what `npm test` exported about this repository
 * (`npm_config_local_prefix`, `npm_package_*`, ...), which would point the install back at it.
 * The user's cache, registry and config files are kept.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set([
    "npm_config_cache",
    "npm_config_userconfig",
    "npm_config_cafile",
    "npm_config_registry",
  ]);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.toLowerCase().startsWith("npm_") && !keep.has(name.toLowerCase())) continue;
    if (name === "INIT_CWD") continue;
    env[name] = value;
  }
  env.PATH = pathOutsideRepo().join(delimiter);
  env.npm_config_update_notifier = "false";
  return env;
}

/**
 * Runs `fn` holding `.tmp/package-tier/lock` (an atomic `mkdir`). A lock whose owner process is
 * gone is taken over; waiting polls with a deadline.
 */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(CACHE, { recursive: true });
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let waited = false;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, "owner"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (lockOwnerGone()) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${LOCK} still held after ${seconds(LOCK_TIMEOUT_MS)}`);
    if (!waited) log("waiting for another test file to pack and install the package");
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function lockOwnerGone(): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(LOCK, "owner"), "utf8"));
  } catch {
    // Created but not written yet (the owner is between mkdir and write), or just removed: look
    // again, unless it has stayed ownerless for long (its owner died in between).
    try {
      return Date.now() - statSync(LOCK).mtimeMs > 10_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function log(message: string): void {
  console.log(`[package tier] ${message}`);
}
