import { copyFileSync, mkdirSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The library: ESM and CommonJS builds with declarations for both.
    entry: {
      index: "src/index.ts",
      alerting: "src/alerting/index.ts",
      cluster: "src/cluster/index.ts",
      dashboards: "src/dashboards/index.ts",
      testing: "src/testing/index.ts",
      // Zero-code instrumentations: apart, so that only their users need @opentelemetry/instrumentation.
      instrumentation: "src/instrument/ai/ai-instrumentations.ts",
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
    // The live page's own script and style are served from files next to the bundles
    // (src/web/live-page-routes.ts reads `assets/` beside its module): copy them into dist/.
    async onSuccess() {
      mkdirSync("dist/assets", { recursive: true });
      for (const file of ["live-page.js", "live-page.css"]) {
        copyFileSync(`src/web/assets/${file}`, `dist/assets/${file}`);
      }
    },
    // `import.meta.url` in the CommonJS build too (from `__filename`): the live page resolves the
    // uplot files it serves from it (src/web/live-page-routes.ts).
    shims: true,
  },
  {
    // The CLI: one ESM file with a shebang. It imports only the package's public entry points,
    // by name; kept external, they resolve at run time to the installed package itself (Node's
    // package self-reference through `exports`), so the CLI is small and shares one copy of each
    // module with the user's code. tsconfig `paths` maps the same names to src/ for tsx and tsc.
    entry: { "cli/main": "src/cli/main.ts" },
    format: ["esm"],
    external: [/^zoran-telemetrie(\/.*)?$/],
    sourcemap: true,
    target: "node20",
    platform: "node",
    banner: { js: "#!/usr/bin/env node" },
  },
]);
