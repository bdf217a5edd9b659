import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OtlpReceiver, startOtlpReceiver } from "../helpers/otlp-receiver.js";
import { type InstalledPackage, installedPackage } from "./installed-package.js";
import { runProcess, userEnv } from "./run-process.js";
import { MODULE_SYSTEMS, writeUserScript } from "./write-user-script.js";

/**
 * The README's operation, pushed over OTLP with the default transport (HTTP/protobuf): nothing is
 * pushed before the interval (a minute), so what arrives comes from the final flush of shutdown().
 */
function otlpScript(serviceName: string, endpoint: string) {
  return {
    imports: { "zoran-telemetrie": ["TelemetryCollector", "GoldenSignals"] },
    body: `
const collector = new TelemetryCollector({
  serviceName: ${JSON.stringify(serviceName)},
  exporter: "otlp",
  otlp: { endpoint: ${JSON.stringify(endpoint)} },
  saturation: false,
  runtimeMetrics: false,
});
await collector.start();
await collector.trace("injection_4champs", async () => {
  collector.recordSignal(GoldenSignals.LATENCY, 0.245);
  collector.recordSignal(GoldenSignals.ERROR_RATE, 0.0);
  collector.recordSignal(GoldenSignals.TRAFFIC, 1024);
  collector.recordSignal(GoldenSignals.SATURATION, 0.32);
});
await collector.shutdown();`,
  };
}

describe("OTLP export from the installed package", () => {
  let pkg: InstalledPackage;
  let dir: string;
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    pkg = await installedPackage();
    dir = mkdtempSync(join(pkg.projectDir, "otlp-"));
    receiver = await startOtlpReceiver();
  }, 660_000);
  afterAll(async () => {
    await receiver?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const system of MODULE_SYSTEMS) {
    it(`delivers the golden signals and the span to the receiver (${system.name})`, async () => {
      const serviceName = `otlp-${system.name}`;
      const script = writeUserScript(dir, "otlp-export", system, otlpScript(serviceName, receiver.url));
      const result = await runProcess(process.execPath, [script], {
        cwd: dir,
        env: userEnv(),
        timeoutMs: 30_000,
      });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);

      const points = receiver.points.filter((point) => point.resource["service.name"] === serviceName);
      const point = (name: string) => {
        const found = points.filter((p) => p.name === name);
        expect(found, name).toHaveLength(1);
        return found[0]!;
      };
      const operation = { operation: "injection_4champs", exchange: "none" };
      expect(point("zoran.requests")).toMatchObject({
        kind: "sum",
        attributes: { ...operation, outcome: "ok" },
        value: 1,
      });
      expect(point("zoran.latency")).toMatchObject({
        kind: "histogram",
        unit: "s",
        attributes: { ...operation, outcome: "ok" },
        count: 1,
        sum: 0.245,
      });
      expect(point("zoran.exchange.size")).toMatchObject({
        unit: "By",
        attributes: { ...operation, direction: "none" },
        value: 1024,
      });
      expect(point("zoran.saturation")).toMatchObject({
        kind: "gauge",
        attributes: { resource: "custom" },
        value: 0.32,
      });
      // An error share of 0 adds no error.
      expect(points.filter((p) => p.name === "zoran.errors" && (p.value ?? 0) > 0)).toEqual([]);
      const spans = receiver.spans.filter((span) => span.resource["service.name"] === serviceName);
      expect(spans.map((span) => span.name)).toEqual(["injection_4champs"]);
      expect(
        receiver.requests.every((request) => request.contentType.startsWith("application/x-protobuf")),
      ).toBe(true);
    }, 40_000);
  }
});
