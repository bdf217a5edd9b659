import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * `npm run fuzz`: long random campaigns of every property test (the files that call
 * `propertyRuns`, found here so a new property file needs no listing). The seed and run policy
 * lives in test/helpers/property-runs.ts; `FUZZ_FACTOR`, `FUZZ_TIME_LIMIT_MS`, `FUZZ_SEED` and
 * `FUZZ_PATH` tune or replay a campaign. Failures are printed and appended to .tmp/fuzz/failures.log.
 */
function propertyTestFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...propertyTestFiles(path));
    else if (entry.name.endsWith(".test.ts") && readFileSync(path, "utf8").includes("propertyRuns(")) {
      files.push(path);
    }
  }
  return files;
}

// Spread rather than mergeConfig: mergeConfig would append to the base `include` list.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: propertyTestFiles("test"),
    env: { FUZZ: "1" },
    // Each property stops at FUZZ_TIME_LIMIT_MS (60 s by default); a test may hold several.
    testTimeout: 30 * 60_000,
  },
});
