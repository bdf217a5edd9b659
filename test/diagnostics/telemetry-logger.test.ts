import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTelemetryLogger } from "../../src/diagnostics/telemetry-logger.js";

const REPO = join(import.meta.dirname, "..", "..");

/** A port nothing listens on (bound, read, closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `body` (ESM, with `TelemetryCollector` and `diag` in scope) in a child; its stderr. */
function stderrOf(body: string, env: Record<string, string> = {}): string {
  const script = `
    import { diag, DiagLogLevel } from "@opentelemetry/api";
    import { TelemetryCollector } from "./src/index.ts";
    ${body}`;
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, OTEL_LOG_LEVEL: "", ...env },
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stderr;
}

const MISSPELT = `
  const c = new TelemetryCollector({ exporter: "promethius", saturation: false, runtimeMetrics: false });
  await c.shutdown();`;

const otlpDown = (port: number) => `
  const c = new TelemetryCollector({
    exporter: "otlp", saturation: false, runtimeMetrics: false, shutdownTimeoutMs: 1000,
    otlp: { endpoint: "http://127.0.0.1:${port}", intervalMs: 200, timeoutMs: 300 },
  });
  await c.start();
  c.recordSignal("traffic", 1);
  // Poll until the export has failed three times (every 200 ms), with a deadline.
  const failures = async () => {
    const line = (await c.export("prometheus")).split(String.fromCharCode(10)).find((l) => l.startsWith('zoran_telemetry_export_failures_total{exporter="otlp"'));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  };
  const deadline = Date.now() + 15_000;
  while ((await failures()) < 3) {
    if (Date.now() > deadline) throw new Error("the OTLP export did not fail three times in 15 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await c.shutdown();`;

describe("loud by default, quiet on request", () => {
  it("prints one clear line on stderr for a misspelt exporter, with no diag logger", () => {
    const lines = stderrOf(MISSPELT).trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/unknown exporter "promethius" ignored \(did you mean "prometheus"\?\)/);
  });

  it("prints one line for an OTLP receiver that is down, however often the export fails", async () => {
    const stderr = stderrOf(otlpDown(await closedPort()));
    const failures = stderr.split("\n").filter((line) => line.includes("otlp exporter failed"));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/ECONNREFUSED|connect/);
    expect(failures[0]).toContain("Check that the OTLP receiver is reachable");
  });

  it("prints nothing with OTEL_LOG_LEVEL=none", async () => {
    expect(stderrOf(MISSPELT, { OTEL_LOG_LEVEL: "none" })).toBe("");
    expect(stderrOf(otlpDown(await closedPort()), { OTEL_LOG_LEVEL: "none" })).toBe("");
  });

  it("hands everything to the application's diag logger once one is installed, and prints nothing", () => {
    const stderr = stderrOf(`
      const seen = [];
      diag.setLogger({ error: (m) => seen.push(m), warn: (m) => seen.push(m), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
      ${MISSPELT}
      if (!seen.some((m) => m.includes("promethius"))) throw new Error("the installed logger got nothing");`);
    expect(stderr).toBe("");
  });
});

describe("createTelemetryLogger", () => {
  it("honours OTEL_LOG_LEVEL: error prints errors only", () => {
    const lines: string[] = [];
    const logger = createTelemetryLogger({ env: { OTEL_LOG_LEVEL: "error" }, write: (l) => lines.push(l) });
    logger.warn("zoran-telemetrie: a warning");
    logger.error("zoran-telemetrie: an error");
    expect(lines).toEqual(["zoran-telemetrie: an error [error]\n"]);
  });

  it("prints each distinct message once", () => {
    const lines: string[] = [];
    const logger = createTelemetryLogger({ env: {}, write: (l) => lines.push(l) });
    for (let i = 0; i < 3; i++) logger.warn("zoran-telemetrie: same cause");
    logger.debug("zoran-telemetrie: below the default info level");
    expect(lines).toHaveLength(1);
  });

  it("never throws, whatever logger was given", () => {
    const throwing = {
      error: () => {
        throw new Error("x");
      },
    } as never;
    const logger = createTelemetryLogger({ diag: throwing });
    expect(() => {
      logger.error("a");
      logger.debug("b");
    }).not.toThrow();
  });
});
