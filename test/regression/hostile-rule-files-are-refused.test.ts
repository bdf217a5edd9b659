import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * Issue 15 item 15: "Hostile rule files abort the process: 50,000 nested `[` in 100 KB ->
 * `FATAL ERROR: RegExpCompiler Allocation failed` (in the YAML parser); a 50 MB annotation aborts
 * at 3.2 GB RSS; 200k rules take 26 s and 1.9 GB." Size and nesting are bounded before parsing
 * (docs/alerting.md, "Bounds"), whatever the parser does, and the same bounds hold for rule
 * objects written in code. Each case runs in a child process with a 512 MB heap: an abort or an
 * out-of-memory is a failed case, not a dead test runner.
 */

const dir = mkdtempSync(join(tmpdir(), "zoran-hostile-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runCase(kind: string): {
  name: string;
  message: string;
  rules?: number;
  elapsedMs: number;
  rssMb: number;
} {
  const child = spawnSync(
    process.execPath,
    [
      "--max-old-space-size=512",
      "--import",
      "tsx",
      new URL("./hostile-rule-file-child.ts", import.meta.url).pathname,
      kind,
      dir,
    ],
    { encoding: "utf8", timeout: 60_000, maxBuffer: 1024 * 1024 },
  );
  expect(child.signal, `${kind}: killed by ${child.signal}\n${child.stderr.slice(-2000)}`).toBeNull();
  expect(child.status, `${kind}: exit ${child.status}\n${child.stderr.slice(-2000)}`).toBe(0);
  return JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}");
}

describe("hostile rule files and objects", () => {
  it.each([
    ["nested-file", /nested deeper than 32/],
    ["huge-annotation-file", /bytes; a rule file may hold at most 1048576/],
    ["many-rules-file", /bytes; a rule file may hold at most 1048576/],
    ["huge-annotation-object", /a string of 52428800 characters \(at most 16384\)/],
    ["many-rules-object", /200000 rules; at most 1000/],
    ["deep-object", /nested deeper than 32/],
  ])(
    "%s: a RuleValidationError naming the bound, quickly and in little memory",
    { timeout: 90_000 },
    (kind, message) => {
      const result = runCase(kind);
      expect(result.name, result.message).toBe("RuleValidationError");
      expect(result.message).toMatch(message);
      // Bounds loose enough for a loaded 2-core machine; before the fix: 26 s and 1.9 GB, or an abort.
      expect(result.elapsedMs).toBeLessThan(5_000);
      expect(result.rssMb).toBeLessThan(400);
    },
  );

  it("a well-formed file still loads", () => {
    expect(runCase("well-formed")).toMatchObject({ name: "ok", rules: 1 });
  });
});
