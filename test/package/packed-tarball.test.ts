import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = join(import.meta.dirname, "..", "..");

// Installs the packed tarball (`npm pack`, which builds first) into a separate project, as a
// user would, and loads it both ways. Dependencies come from the local npm cache when present.
describe("the packed npm package", () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "zoran-pack-"));
    execFileSync("npm", ["pack", "--pack-destination", project, "--silent"], { cwd: REPO, stdio: "pipe" });
    const tarball = readdirSync(project).find((file) => file.endsWith(".tgz"))!;
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true }),
    );
    execFileSync(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", join(project, tarball)],
      { cwd: project, stdio: "pipe", timeout: 240_000 },
    );
  }, 300_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  const script = (loader: string) => `
    ${loader}
    const collector = new TelemetryCollector({ serviceName: "packed", exporter: "none", saturation: false });
    collector.trace("packed_op", () => collector.recordSignal(GoldenSignals.TRAFFIC, 5));
    collector.export("prometheus").then(async (text) => {
      await collector.shutdown();
      console.log(text.includes('zoran_requests_total{operation="packed_op",exchange="none",outcome="ok"} 1') ? "ok" : text);
    });`;

  it("loads with require() from CommonJS", () => {
    writeFileSync(
      join(project, "use.cjs"),
      script('const { TelemetryCollector, GoldenSignals } = require("zoran-telemetrie");'),
    );
    expect(execFileSync("node", ["use.cjs"], { cwd: project, encoding: "utf8" }).trim()).toBe("ok");
  });

  it("loads with import from an ES module", () => {
    writeFileSync(
      join(project, "use.mjs"),
      script('import { TelemetryCollector, GoldenSignals } from "zoran-telemetrie";'),
    );
    expect(execFileSync("node", ["use.mjs"], { cwd: project, encoding: "utf8" }).trim()).toBe("ok");
  });

  it("installs the zoran-telemetrie binary", () => {
    const result = spawnSync(join(project, "node_modules", ".bin", "zoran-telemetrie"), ["--help"], {
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("demo");
  });
});
