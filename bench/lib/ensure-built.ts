import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Runs `npm run build` when `dist/` is older than `src/`: the benches that measure what users
 * install (import time, the HTTP middlewares) load the built package, not the sources through
 * tsx (whose `keepNames` transform adds a `__name()` call to every closure made at run time).
 */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(join(ROOT, "dist/index.js")).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > newestMtime(join(ROOT, "src"))) return;
  process.stderr.write(" (building dist/)");
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore", timeout: 600_000 });
}
