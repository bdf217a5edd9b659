import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { dashboardsCommand } from "../../src/cli/dashboards-command.js";
import { renderDashboardFiles } from "../../src/dashboards/write-dashboards.js";

describe("dashboardsCommand", () => {
  let out = "";

  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), "zoran-dashboards-"));
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(out, { recursive: true, force: true });
  });

  it("writes the Grafana and Kibana dashboards when neither flag is given", async () => {
    expect(await dashboardsCommand(["--out", out])).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["grafana", "kibana"]);
    const files = renderDashboardFiles();
    for (const [path, text] of Object.entries(files)) {
      expect(readFileSync(join(out, ...path.split("/")), "utf8")).toBe(text);
    }
  });

  it("writes only Grafana with --grafana and only Kibana with --kibana", async () => {
    expect(await dashboardsCommand(["--out", join(out, "g"), "--grafana"])).toBe(0);
    expect(readdirSync(join(out, "g"))).toEqual(["grafana"]);
    expect(await dashboardsCommand(["--out", join(out, "k"), "--kibana"])).toBe(0);
    expect(readdirSync(join(out, "k"))).toEqual(["kibana"]);
  });

  it("overwrites a stale dashboard", async () => {
    await dashboardsCommand(["--out", out, "--kibana"]);
    const file = join(out, "kibana", readdirSync(join(out, "kibana"))[0]!);
    writeFileSync(file, "stale");
    expect(await dashboardsCommand(["--out", out, "--kibana"])).toBe(0);
    expect(readFileSync(file, "utf8")).not.toBe("stale");
  });

  it("exits 2 with usage when --out is missing or a flag is unknown", async () => {
    expect(await dashboardsCommand([])).toBe(2);
    expect(await dashboardsCommand(["--out", out, "--grafna"])).toBe(2);
    expect(process.stderr.write).toHaveBeenCalledWith(
      expect.stringContaining("unknown option --grafna (did you mean --grafana?)"),
    );
    expect(process.stderr.write).toHaveBeenCalledWith(
      expect.stringContaining("Usage: zoran-telemetrie dashboards"),
    );
  });

  it("exits 1 when the output folder cannot be written", async () => {
    const blocker = join(out, "a-file");
    writeFileSync(blocker, "");
    expect(await dashboardsCommand(["--out", join(blocker, "sub")])).toBe(1);
  });
});
