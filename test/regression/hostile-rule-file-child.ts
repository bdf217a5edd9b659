// Run by hostile-rule-files-are-refused.test.ts in a child process, so that an abort of the
// process (out of memory, a fatal error in a parser) fails the test instead of killing the runner.
// argv: <case> <scratch dir>. Prints one JSON line: what loadRules did, how long it took, the RSS.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadRules } from "../../src/alerting/load-rules.js";

const [kind = "", dir = "."] = process.argv.slice(2);
const path = join(dir, `${kind}.yaml`);
const rule = (i: number) => ({ name: `R${i}`, signal: "latency", threshold: 1 });
let input: unknown = path;
switch (kind) {
  case "nested-file": // 50,000 nested `[` in 100 KB
    writeFileSync(path, `rules: ${"[".repeat(50_000)}${"]".repeat(50_000)}\n`);
    break;
  case "huge-annotation-file": // a 50 MB annotation
    writeFileSync(
      path,
      `rules:\n  - name: A\n    signal: latency\n    threshold: 1\n    annotations:\n      summary: "${"x".repeat(50 * 1024 * 1024)}"\n`,
    );
    break;
  case "many-rules-file": // 200,000 rules
    writeFileSync(
      path,
      `rules:\n${Array.from({ length: 200_000 }, (_, i) => `  - { name: R${i}, signal: latency, threshold: 1 }`).join("\n")}\n`,
    );
    break;
  case "huge-annotation-object":
    input = { rules: [{ ...rule(0), annotations: { summary: "x".repeat(50 * 1024 * 1024) } }] };
    break;
  case "many-rules-object":
    input = { rules: Array.from({ length: 200_000 }, (_, i) => rule(i)) };
    break;
  case "deep-object": {
    let deep: Record<string, unknown> = { leaf: "x" };
    for (let i = 0; i < 100_000; i++) deep = { operation: deep };
    input = { rules: [{ ...rule(0), matchers: deep }] };
    break;
  }
  case "well-formed":
    writeFileSync(path, "rules:\n  - { name: Fine, signal: latency, threshold: 1 }\n");
    break;
  default:
    throw new Error(`unknown case ${kind}`);
}
const began = performance.now();
let outcome: { name: string; message: string; rules?: number };
try {
  outcome = { name: "ok", message: "", rules: loadRules(input as never).length };
} catch (error) {
  outcome = {
    name: error instanceof Error ? error.name : typeof error,
    message: error instanceof Error ? error.message.slice(0, 500) : String(error),
  };
}
const elapsedMs = performance.now() - began;
process.stdout.write(
  `${JSON.stringify({ ...outcome, elapsedMs, rssMb: process.memoryUsage().rss / 1048576 })}\n`,
);
