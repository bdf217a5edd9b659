import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The library: ESM and CommonJS builds with declarations for both.
    entry: {
      index: "src/index.ts",
      alerting: "src/alerting/index.ts",
      cluster: "src/cluster/index.ts",
      testing: "src/testing/index.ts",
      // Zero-code instrumentations: apart, so that only their users need @opentelemetry/instrumentation.
      instrumentation: "src/instrument/ai/ai-instrumentations.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
  },
  {
    // The CLI: one ESM file with a shebang; it imports only the public API at runtime.
    entry: { "cli/main": "src/cli/main.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    platform: "node",
    banner: { js: "#!/usr/bin/env node" },
  },
]);
