import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import fc from "fast-check";
import { expect } from "vitest";

/**
 * The one place that decides how property tests run (STYLE §4: deterministic suite, fuzzing apart).
 *
 * - `npm test`: the fixed seed {@link PROPERTY_SEED} and the number of runs the test asks for,
 *   both printed; no time limit, so a loaded machine runs exactly the same cases, only slower.
 * - `npm run fuzz` (`vitest.fuzz.config.ts` sets `FUZZ=1`): a random seed per property, `FUZZ_FACTOR`
 *   (default 50) times the runs, each property bounded by `FUZZ_TIME_LIMIT_MS` (default 60000).
 *   A failure prints its seed, path and counterexample, the command that replays it and the
 *   seeded `fc.assert` options that turn it into a regression test; it is also appended to
 *   `.tmp/fuzz/failures.log`. `FUZZ_SEED` (and `FUZZ_PATH`) replay one.
 *
 * No shrinking in either mode (`endOnFailure`): a 5,000-deep object shrinks for minutes, and the
 * seed and path replay the raw counterexample exactly.
 *
 * @example
 * fc.assert(fc.property(arb, check), propertyRuns(2_000));
 */
export const PROPERTY_SEED = 20_261_201;

const FUZZING = process.env.FUZZ === "1";
const FAILURE_LOG = join(process.cwd(), ".tmp", "fuzz", "failures.log");
/** Longest counterexample text printed: hostile values include 1 MB strings. */
const MAX_REPORT_CHARS = 4_000;

/** Whether this run is a fuzz campaign (`npm run fuzz`) rather than the deterministic suite. */
export function isFuzzing(): boolean {
  return FUZZING;
}

/**
 * fast-check parameters for one `fc.assert`: the fixed seed and `numRuns` under `npm test`, a
 * random seed and many more runs under `npm run fuzz`. Prints what it chose.
 */
export function propertyRuns<Ts = unknown>(numRuns: number): fc.Parameters<Ts> {
  const state = expect.getState();
  const test = state.currentTestName ?? "(outside a test)";
  const file = state.testPath === undefined ? "(unknown file)" : relative(process.cwd(), state.testPath);
  const parameters: fc.Parameters<Ts> = FUZZING ? fuzzParameters(numRuns) : { seed: PROPERTY_SEED, numRuns };
  const { seed } = parameters as { seed: number };
  console.log(
    `[property] ${test}: seed ${seed}, ${parameters.numRuns} runs${FUZZING ? ` (fuzz, at most ${parameters.interruptAfterTimeLimit} ms)` : ""}`,
  );
  return {
    ...parameters,
    endOnFailure: true,
    reporter(details) {
      if (FUZZING && !details.failed) {
        console.log(
          `[property] ${test}: passed ${details.numRuns} runs${details.interrupted ? " (stopped at the time limit)" : ""}, seed ${details.seed}`,
        );
      }
      if (!details.failed) return;
      throw new Error(failureReport(details, { test, file, seed }));
    },
  };
}

function fuzzParameters<Ts>(numRuns: number): fc.Parameters<Ts> {
  const factor = positiveNumber(process.env.FUZZ_FACTOR) ?? 50;
  const seed = integer(process.env.FUZZ_SEED) ?? (Math.random() * 2 ** 31) | 0;
  const path = process.env.FUZZ_PATH;
  return {
    seed,
    numRuns: Math.ceil(numRuns * factor),
    ...(path ? { path } : {}),
    interruptAfterTimeLimit: positiveNumber(process.env.FUZZ_TIME_LIMIT_MS) ?? 60_000,
    // A campaign cut by its time limit passed for the runs it made; only a failure fails it.
    markInterruptAsFailure: false,
  };
}

function failureReport<Ts>(
  details: fc.RunDetails<Ts>,
  where: { test: string; file: string; seed: number },
): string {
  let message = fc.defaultReportMessage(details) ?? "property failed";
  if (message.length > MAX_REPORT_CHARS) message = `${message.slice(0, MAX_REPORT_CHARS)}... (cut)`;
  const testName = where.test.split(" > ").at(-1) ?? where.test;
  const cause =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const report = [
    `Property failed: ${where.test}`,
    `  file: ${where.file}`,
    `  error: ${cause.slice(0, 1_000)}`,
    `  seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath)}, after ${details.numRuns} runs`,
    `  replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ""} npx vitest run --config vitest.fuzz.config.ts ${where.file} -t ${JSON.stringify(testName)}`,
    `  regression test: fc.assert(property, { seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath)}, endOnFailure: true }), or better the counterexample below as a plain case in test/regression/`,
    message,
  ].join("\n");
  if (FUZZING) {
    try {
      mkdirSync(dirname(FAILURE_LOG), { recursive: true });
      appendFileSync(FAILURE_LOG, `${new Date().toISOString()} ${report}\n\n`);
    } catch {
      // The printed report is enough when the log cannot be written.
    }
  }
  return report;
}

function positiveNumber(text: string | undefined): number | undefined {
  const value = Number(text);
  return text !== undefined && text !== "" && Number.isFinite(value) && value > 0 ? value : undefined;
}

function integer(text: string | undefined): number | undefined {
  const value = Number(text);
  return text !== undefined && text !== "" && Number.isInteger(value) ? value : undefined;
}
