import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("parts loaded only when configured", () => {
  it("loads the OTLP stack at start(), the OTLP/JSON encoder on first use, yaml with the first rule file", () => {
    // A fresh process: the module cache of this one already holds everything.
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", new URL("./lazy-parts-child.ts", import.meta.url).pathname],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(child.stderr).toBe("");
    const { steps, line, rules } = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}");
    const none = { otlp: false, otlpTransformer: false, yaml: false };
    // A cold import, and a collector configured with OTLP but not started, load none of them,
    // nor Node's fetch (about 5 ms of an import here when a module touched `Response`). From
    // Node 22 an ES-module import of `node:http` loads fetch itself (measured: `await
    // import("node:http")` alone does on Node 24), so it is checked on Node 20 only.
    const before22 = Number(process.versions.node.split(".")[0]) < 22;
    expect(steps.import).toEqual({ ...none, fetch: before22 ? false : expect.any(Boolean) });
    expect(steps["construct with otlp"]).toMatchObject(none);
    // serializeJsonLines() stays synchronous: its encoder comes with the first call.
    expect(steps.serializeJsonLines).toMatchObject({ ...none, otlpTransformer: true });
    expect(line).toBe(true);
    expect(steps.start).toMatchObject({ ...none, otlp: true, otlpTransformer: true });
    // The rule file is read (and a bad one thrown) by the constructor, as before.
    expect(steps["construct with a rule file"].yaml).toBe(true);
    expect(rules).toBeGreaterThanOrEqual(1);
  });
});
