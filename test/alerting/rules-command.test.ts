import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { rulesCommand } from "../../src/cli/rules-command.js";

const dir = mkdtempSync(join(tmpdir(), "zoran-rules-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

function capture(stream: "stdout" | "stderr"): () => string {
  let text = "";
  vi.spyOn(process[stream], "write").mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  return () => text;
}

describe("rulesCommand", () => {
  it("writes the shipped rules to --out, identical to the committed file", async () => {
    const out = join(dir, "rules.yml");
    expect(await rulesCommand(["--out", out])).toBe(0);
    const committed = readFileSync(
      join(import.meta.dirname, "../../dashboards/prometheus/zoran-telemetrie.rules.yml"),
      "utf8",
    );
    expect(readFileSync(out, "utf8")).toBe(committed);
  });

  it("renders a --rules file to stdout", async () => {
    const file = join(dir, "mine.yaml");
    writeFileSync(file, "rules:\n  - { name: Slow, signal: latency, threshold: 3 }\n");
    const stdout = capture("stdout");
    expect(await rulesCommand(["--rules", file])).toBe(0);
    expect(stdout()).toContain("- alert: Slow");
  });

  it("exits 1 naming the rule and field of a bad rule file", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "rules:\n  - { name: Neg, signal: errors, threshold: -1 }\n");
    const stderr = capture("stderr");
    expect(await rulesCommand(["--rules", file])).toBe(1);
    expect(stderr()).toContain('rule "Neg": threshold: must be a number >= 0, got -1');
  });

  it("exits 2 on an unknown option", async () => {
    const stderr = capture("stderr");
    expect(await rulesCommand(["--nope"])).toBe(2);
    expect(stderr()).toContain("Usage: zoran-telemetrie rules");
  });
});
