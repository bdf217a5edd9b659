import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** True when running under CI (`CI=true`), where a missing binary is a failure, not a skip. */
export const IN_CI = process.env.CI === "true" || process.env.CI === "1";

/**
 * Finds a real binary a test needs (`promtool`, `prometheus`, `chromium`, ...).
 * Returns its path, or `null` after printing why the test is skipped.
 * Under `CI=true` a missing binary throws, so the test file fails instead of skipping.
 */
export function requireBinary(name: string): string | null {
  const candidates = name.startsWith("/")
    ? [name]
    : (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, name));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here; try the next PATH entry
    }
  }
  const reason = `${name} not found on PATH (install the Debian package: see .ci/run)`;
  if (IN_CI) throw new Error(`CI=true and ${reason}`);
  console.warn(`[skip] ${reason}`);
  return null;
}
