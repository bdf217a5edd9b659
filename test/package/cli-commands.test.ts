import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type InstalledPackage, installedPackage } from "./installed-package.js";
import { runProcess, userEnv } from "./run-process.js";
import { SERVING_PATTERN, serviceScript } from "./service-script.js";
import { type StartedProcess, startProcess } from "./start-process.js";
import { MODULE_SYSTEMS, writeUserScript } from "./write-user-script.js";

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((path) => statSync(join(dir, path)).isFile())
    .sort();
}

describe("the installed zoran-telemetrie binary", () => {
  let pkg: InstalledPackage;
  let dir: string;
  const run = (args: string[]) => runProcess(pkg.bin, args, { cwd: dir, env: userEnv(), timeoutMs: 30_000 });
  beforeAll(async () => {
    pkg = await installedPackage();
    dir = mkdtempSync(join(pkg.projectDir, "cli-"));
  }, 660_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists its commands with --help", async () => {
    const result = await run(["--help"]);
    expect(result.status).toBe(0);
    for (const command of ["demo", "export", "rules", "dashboards"]) expect(result.stdout).toContain(command);
  });

  it("dashboards: writes the Grafana and Kibana files the package ships", async () => {
    const out = join(dir, "dashboards");
    const result = await run(["dashboards", "--out", out]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const written = filesUnder(out);
    expect(written).toEqual([
      "grafana/provisioning/dashboards/zoran-telemetrie.yaml",
      "grafana/provisioning/datasources/prometheus.yaml",
      "grafana/zoran-golden-signals-overview.json",
      "grafana/zoran-operation-drilldown.json",
      "kibana/zoran-golden-signals-overview.ndjson",
    ]);
    // It prints each path it wrote.
    expect(
      result.stdout
        .trim()
        .split("\n")
        .map((path) => relative(out, path))
        .sort(),
    ).toEqual(written);
    for (const path of written) {
      const text = readFileSync(join(out, path), "utf8");
      // Generated from the installed code, they match the files in the tarball byte for byte.
      expect(text, path).toBe(readFileSync(join(pkg.packageDir, "dashboards", path), "utf8"));
      if (path.endsWith(".json")) expect(JSON.parse(text).panels.length, path).toBeGreaterThan(0);
      if (path.endsWith(".ndjson")) for (const line of text.trim().split("\n")) JSON.parse(line);
      if (path.endsWith(".yaml")) expect(parseYaml(text), path).toBeTypeOf("object");
    }
  });

  it("rules: prints a valid Prometheus rule file, the one the package ships", async () => {
    const result = await run(["rules"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const file = parseYaml(result.stdout) as {
      groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
    };
    const rules = file.groups.flatMap((group) => group.rules);
    expect(rules.filter((rule) => rule.alert !== undefined).length).toBeGreaterThan(0);
    expect(rules.filter((rule) => rule.record !== undefined).length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule.expr, rule.alert ?? rule.record).toMatch(/zoran_/);
    expect(result.stdout).toBe(
      readFileSync(join(pkg.packageDir, "dashboards", "prometheus", "zoran-telemetrie.rules.yml"), "utf8"),
    );
    const out = join(dir, "zoran.rules.yml");
    expect((await run(["rules", "--out", out])).status).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(result.stdout);
    const native = await run(["rules", "--native-histograms"]);
    expect(native.status).toBe(0);
    expect(native.stdout).toBe(
      readFileSync(
        join(pkg.packageDir, "dashboards", "prometheus", "zoran-telemetrie.native.rules.yml"),
        "utf8",
      ),
    );
    expect(native.stdout).toContain("histogram_fraction(");
  });

  for (const system of MODULE_SYSTEMS) {
    describe(`export, from the endpoint of a service that loads the package with ${system.name}`, () => {
      let service: StartedProcess | undefined;
      let url: string;
      beforeAll(async () => {
        const script = writeUserScript(
          dir,
          "export-service",
          system,
          serviceScript({ serviceName: `export-${system.name}`, traffic: "once", saturation: false }),
        );
        service = await startProcess(process.execPath, [script], {
          cwd: dir,
          env: userEnv(),
          readyPattern: SERVING_PATTERN,
        });
        url = service.ready[1]!;
      }, 40_000);
      afterAll(async () => {
        expect(await service?.stop(), service?.output()).toBe(0);
        expect(service?.stderr()).toBe("");
      }, 20_000);

      it("serves the exposition text the export reads", async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        expect(text).toContain('zoran_requests_total{operation="summarise",exchange="none",outcome="ok"} 1');
        expect(text).toContain(
          'zoran_tokens_total{operation="summarise",exchange="none",direction="output"} 42',
        );
      });

      it("--format json writes the snapshot as one OTLP/JSON line", async () => {
        const out = join(dir, `export-${system.extension}.jsonl`);
        const result = await run(["export", "--format", "json", "--from", url, "--out", out]);
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        const lines = readFileSync(out, "utf8").trim().split("\n");
        expect(lines).toHaveLength(1);
        const snapshot = JSON.parse(lines[0]!) as {
          resourceMetrics: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeMetrics: {
              metrics: {
                name: string;
                sum?: { dataPoints: { asDouble: number }[] };
                histogram?: { dataPoints: { count: number; sum: number }[] };
              }[];
            }[];
          }[];
        };
        const [resource] = snapshot.resourceMetrics;
        expect(resource!.resource.attributes).toContainEqual({
          key: "service.name",
          value: { stringValue: `export-${system.name}` },
        });
        const metrics = new Map(
          resource!.scopeMetrics.flatMap((scope) => scope.metrics).map((m) => [m.name, m]),
        );
        expect(metrics.get("zoran.requests")?.sum?.dataPoints.map((p) => p.asDouble)).toEqual([1]);
        expect(metrics.get("zoran.tokens")?.sum?.dataPoints.map((p) => p.asDouble)).toEqual([42]);
        expect(metrics.get("zoran.exchange.size")?.sum?.dataPoints.map((p) => p.asDouble)).toEqual([2048]);
        expect(metrics.get("zoran.latency")?.histogram?.dataPoints.map((p) => [p.count, p.sum])).toEqual([
          [1, 0.5],
        ]);
      });

      it("--format csv writes one row per data point", async () => {
        const out = join(dir, `export-${system.extension}.csv`);
        const result = await run(["export", "--format", "csv", "--from", url, "--out", out]);
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        // Written atomically: no temporary file is left beside it.
        expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
        const rows = parseCsv(readFileSync(out, "utf8"), { columns: true }) as Record<string, string>[];
        const requests = rows.filter((row) => row.metric === "zoran.requests");
        expect(requests).toHaveLength(1);
        expect(requests[0]).toMatchObject({
          service: `export-${system.name}`,
          scope: "zoran-telemetrie",
          signal: "traffic",
          type: "counter",
          temporality: "cumulative",
          value: "1",
        });
        expect(JSON.parse(requests[0]!.attributes!)).toEqual({
          operation: "summarise",
          exchange: "none",
          outcome: "ok",
        });
        const latency = rows.find((row) => row.metric === "zoran.latency");
        expect(latency).toMatchObject({ type: "histogram", unit: "s", count: "1", sum: "0.5" });
      });
    });
  }
});
