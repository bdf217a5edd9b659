import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InstalledPackage, installedPackage } from "./installed-package.js";
import { runProcess, userEnv } from "./run-process.js";
import { MODULE_SYSTEMS, writeUserScript } from "./write-user-script.js";

const SRC = join(import.meta.dirname, "..", "..", "src");

/**
 * Every `class X extends ...Error` of the library's sources: each must be one class whatever the
 * entry point. `src/cli/` is left out: the CLI is an application on top of the entry points, and
 * its errors (a bad command line) never reach a user's code.
 */
function sourceErrorClasses(dir = SRC): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (path === join(SRC, "cli")) continue;
    if (statSync(path).isDirectory()) names.push(...sourceErrorClasses(path));
    else if (entry.endsWith(".ts")) {
      for (const match of readFileSync(path, "utf8").matchAll(/\bclass (\w+) extends (\w*Error)\b/g)) {
        names.push(match[1]!);
      }
    }
  }
  return names.sort();
}

/**
 * The error classes whose crossing of entry points the script below checks in use (not only by
 * identity): a new error class needs a case there, or this list fails the test.
 */
const CROSSING_CASES = ["NotifierError", "RuleValidationError"];

/**
 * Loads every entry point of the installed package's `exports` map, lists the error classes each
 * one exports, and makes two errors cross from one entry point to another: a bad rule thrown by the
 * main entry's `TelemetryCollector`, checked against the alerting entry's `RuleValidationError`;
 * a non-retryable `NotifierError` of the alerting entry thrown by a user's notifier, which the main
 * entry's delivery must not retry.
 */
const BODY = `
const manifest = requireJson("zoran-telemetrie/package.json");
const specifiers = Object.keys(manifest.exports)
  .filter((key) => key !== "./package.json")
  .map((key) => (key === "." ? "zoran-telemetrie" : "zoran-telemetrie/" + key.slice(2)));
const modules = {};
for (const specifier of specifiers) modules[specifier] = await load(specifier);

const exported = {};
for (const [specifier, namespace] of Object.entries(modules)) {
  for (const [name, value] of Object.entries(namespace)) {
    if (typeof value === "function" && value.prototype instanceof Error) (exported[name] ??= []).push(specifier);
  }
}
const oneClass = {};
for (const [name, where] of Object.entries(exported)) {
  oneClass[name] = where.every((specifier) => modules[specifier][name] === modules[where[0]][name]);
}
const instanceOfEach = (error, name) =>
  Object.fromEntries((exported[name] ?? []).map((s) => [s, error instanceof modules[s][name]]));

const { TelemetryCollector, GoldenSignals } = modules["zoran-telemetrie"];
const alerting = modules["zoran-telemetrie/alerting"];
const badRule = { name: "Bad", signal: "errors", threshold: -1 };
let thrown;
try {
  new TelemetryCollector({ exporter: "none", alerting: { rules: [badRule] } });
} catch (error) {
  thrown = error;
}
const ruleValidation = {
  name: thrown?.name,
  message: String(thrown?.message),
  instanceOf: instanceOfEach(thrown, "RuleValidationError"),
};

let attempts = 0;
let gaveUp;
const delivered = new Promise((resolve) => {
  gaveUp = resolve;
});
const collector = new TelemetryCollector({
  serviceName: "error-classes",
  exporter: "none",
  saturation: false,
  runtimeMetrics: false,
  window: { intervalMs: 50 },
  alerting: {
    rules: [{ name: "Saturated", signal: "saturation", threshold: 0.5, window: "1m" }],
    evaluationIntervalMs: 50,
    notifiers: [
      {
        name: "user-notifier",
        async send() {
          attempts++;
          throw new alerting.NotifierError("rejected for good", { retryable: false });
        },
      },
    ],
    delivery: { maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 20 },
    onDeliveryError: (_notifier, error) => gaveUp(error),
  },
});
collector.recordSignal(GoldenSignals.SATURATION, 0.9);
await collector.start();
// The collector's timers are unref()ed: this one keeps the process alive until delivery gave up.
let deadline;
const deliveryError = await Promise.race([
  delivered,
  new Promise((resolve) => {
    deadline = setTimeout(() => resolve(undefined), 10000);
  }),
]);
clearTimeout(deadline);
await collector.shutdown();
const notifier = {
  attempts,
  gaveUp: deliveryError !== undefined,
  instanceOf: instanceOfEach(deliveryError, "NotifierError"),
};
console.log(JSON.stringify({ exported, oneClass, ruleValidation, notifier }));
`;

/** How each module system loads a specifier (and the JSON manifest) in the script above. */
const LOADERS = {
  import: {
    imports: { "node:module": ["createRequire"] },
    preamble:
      "const requireJson = createRequire(import.meta.url);\nconst load = (specifier) => import(specifier);\n",
  },
  require: {
    imports: {},
    preamble: "const requireJson = require;\nconst load = async (specifier) => require(specifier);\n",
  },
};

interface Report {
  exported: Record<string, string[]>;
  oneClass: Record<string, boolean>;
  ruleValidation: { name: string; message: string; instanceOf: Record<string, boolean> };
  notifier: { attempts: number; gaveUp: boolean; instanceOf: Record<string, boolean> };
}

describe("error classes of the installed package", () => {
  let pkg: InstalledPackage;
  let dir: string;
  beforeAll(async () => {
    pkg = await installedPackage();
    dir = mkdtempSync(join(pkg.projectDir, "errors-"));
  }, 660_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("has a crossing case for every error class of the sources", () => {
    expect(sourceErrorClasses()).toEqual(CROSSING_CASES);
  });

  for (const system of MODULE_SYSTEMS) {
    describe(`under ${system.name}`, () => {
      let report: Report;
      beforeAll(async () => {
        const loader = LOADERS[system.name];
        const script = writeUserScript(dir, "error-classes", system, {
          imports: loader.imports,
          body: loader.preamble + BODY,
        });
        const result = await runProcess(process.execPath, [script], {
          cwd: dir,
          env: userEnv(),
          timeoutMs: 30_000,
        });
        // Loud by default: the one line on stderr is the refused delivery, tried once.
        expect(result.stderr).toMatch(
          /^(zoran-telemetrie alerting: notifier "user-notifier" failed after 1 attempt\(s\)[^\n]*\n)?$/,
        );
        expect(result.status).toBe(0);
        report = JSON.parse(result.stdout) as Report;
      }, 40_000);

      it("exports every error class of the sources, each one class across entry points", () => {
        expect(Object.keys(report.exported).sort()).toEqual(sourceErrorClasses());
        for (const name of Object.keys(report.exported)) expect(report.oneClass[name], name).toBe(true);
      });

      it("throws a bad rule given to the main entry as the alerting entry's RuleValidationError", () => {
        expect(report.ruleValidation.name).toBe("RuleValidationError");
        expect(report.ruleValidation.message).toMatch(/Bad.*threshold/);
        expect(Object.keys(report.ruleValidation.instanceOf)).toContain("zoran-telemetrie/alerting");
        for (const [entry, holds] of Object.entries(report.ruleValidation.instanceOf)) {
          expect(holds, `instanceof RuleValidationError of ${entry}`).toBe(true);
        }
      });

      it("does not retry a non-retryable NotifierError of the alerting entry in the main entry's delivery", () => {
        expect(report.notifier.gaveUp).toBe(true);
        expect(report.notifier.attempts).toBe(1);
        for (const [entry, holds] of Object.entries(report.notifier.instanceOf)) {
          expect(holds, `instanceof NotifierError of ${entry}`).toBe(true);
        }
      });
    });
  }
});
