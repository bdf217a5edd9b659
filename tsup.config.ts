import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The library: ESM and CommonJS builds with declarations for both.
    entry: {
      index: "src/index.ts",
      alerting: "src/alerting/index.ts",
      cluster: "src/cluster/index.ts",
      testing: "src/testing/index.ts",
    },
    format: ["esm", "cjs"],
    // Shared code in chunks for CommonJS too (ESM splits by default): without it index.cjs and
    // alerting.cjs each carried their own RuleValidationError and NotifierError, so an error thrown
    // through one entry point was not `instanceof` the class of the other (issue 12).
    splitting: true,
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    // `import.meta.url` in the CommonJS build too (from `__filename`): the live page resolves the
    // uplot files it serves from it (src/web/live-page-routes.ts).
    shims: true,
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
