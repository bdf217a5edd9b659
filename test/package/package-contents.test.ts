import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type InstalledPackage, installedPackage } from "./installed-package.js";
import { runProcess } from "./run-process.js";

const REPO = join(import.meta.dirname, "..", "..");

/** Every file path a package.json points at: `main`, `module`, `types`, `bin` and the `exports` map. */
function pointedFiles(manifest: Record<string, unknown>): string[] {
  const paths: string[] = [];
  const visit = (value: unknown) => {
    if (typeof value === "string") paths.push(value);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(visit);
  };
  for (const field of ["main", "module", "types", "bin", "exports"]) visit(manifest[field]);
  return [...new Set(paths)].sort();
}

describe("contents of the packed package", () => {
  let pkg: InstalledPackage;
  let manifest: Record<string, unknown>;
  beforeAll(async () => {
    pkg = await installedPackage();
    manifest = JSON.parse(readFileSync(join(pkg.packageDir, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
  }, 660_000);

  it("holds only the built code, the dashboards, the docs, the manifest, README and licence", () => {
    const outside = pkg.files.filter(
      (path) =>
        !/^(dist\/|dashboards\/|docs\/)/.test(path) &&
        !["package.json", "README.md", "LICENSE"].includes(path),
    );
    expect(outside).toEqual([]);
    expect(pkg.files.filter((path) => path.endsWith(".ts") && !/\.d\.c?ts$/.test(path))).toEqual([]);
  });

  it("has no class field rewritten into an export by the CommonJS build", () => {
    // tsup's ESM-to-CJS pass over split chunks turned `errorTypeIndex = ...` (a class field named
    // like an export of its chunk) into `this.errorTypeIndex = exports.errorTypeIndex = ...`: the
    // function became a number after the first trace() under require().
    const rewritten = pkg.files
      .filter((path) => path.endsWith(".cjs"))
      .filter((path) =>
        /this\.([A-Za-z_$][\w$]*) = exports\.\1 =/.test(readFileSync(join(pkg.packageDir, path), "utf8")),
      );
    expect(rewritten).toEqual([]);
  });

  it("installs every file its package.json points at", () => {
    const missing = pointedFiles(manifest).filter((path) => !existsSync(join(pkg.packageDir, path)));
    expect(missing).toEqual([]);
  });

  it("installs an executable bin that runs on node", () => {
    accessSync(pkg.bin, constants.X_OK);
    const target = join(pkg.packageDir, (manifest.bin as Record<string, string>)["zoran-telemetrie"]!);
    expect(readFileSync(target, "utf8").split("\n", 1)[0]).toBe("#!/usr/bin/env node");
  });

  it("passes publint on the tarball, warnings included", async () => {
    const publint = join(REPO, "node_modules", ".bin", "publint");
    const result = await runProcess(publint, ["run", pkg.tarball, "--strict"], {
      cwd: REPO,
      timeoutMs: 60_000,
    });
    expect(`${result.stdout}${result.stderr}`).toContain("All good!");
    expect(result.status).toBe(0);
  }, 70_000);
});
