import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Examples and tests import the package by name, as users do; here that is the source.
    alias: [
      { find: /^zoran-telemetrie$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      {
        find: /^zoran-telemetrie\/cluster$/,
        replacement: fileURLToPath(new URL("./src/cluster/index.ts", import.meta.url)),
      },
      {
        find: /^zoran-telemetrie\/dashboards$/,
        replacement: fileURLToPath(new URL("./src/dashboards/index.ts", import.meta.url)),
      },
      {
        find: /^zoran-telemetrie\/testing$/,
        replacement: fileURLToPath(new URL("./src/testing/index.ts", import.meta.url)),
      },
      {
        find: /^zoran-telemetrie\/instrumentation$/,
        replacement: fileURLToPath(new URL("./src/instrument/ai/ai-instrumentations.ts", import.meta.url)),
      },
      {
        find: /^zoran-telemetrie\/alerting$/,
        replacement: fileURLToPath(new URL("./src/alerting/index.ts", import.meta.url)),
      },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration files start real servers, so run two files at a time.
    maxWorkers: 2,
  },
});
