import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { AlertingEngine } from "../../src/alerting/alerting-engine.js";
import { loadRules } from "../../src/alerting/load-rules.js";
import { createAlertmanagerNotifier } from "../../src/alerting/notifiers/alertmanager-notifier.js";
import type { WebhookPayload } from "../../src/alerting/notifiers/webhook-notifier.js";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { GoldenSignals } from "../../src/signals/golden-signals.js";
import { WindowStore } from "../../src/window/window-store.js";
import { requireBinary } from "../helpers/require-binary.js";

const alertmanager = requireBinary("prometheus-alertmanager");

/** A free TCP port on 127.0.0.1 (Alertmanager takes its port as a flag, not 0). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Polls `check` every 50 ms until it returns a value, at most `timeoutMs`. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!alertmanager)("in-process alerting through a real Alertmanager 0.25", () => {
  const dir = mkdtempSync(join(tmpdir(), "zoran-alertmanager-"));
  const received: WebhookPayload[] = [];
  let hook: Server;
  let child: ChildProcess;
  let amUrl: string;
  let amLog = "";

  beforeAll(async () => {
    hook = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        received.push(JSON.parse(body) as WebhookPayload);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    writeFileSync(
      join(dir, "alertmanager.yml"),
      stringify({
        global: { resolve_timeout: "5m" },
        route: {
          receiver: "hook",
          group_by: ["alertname", "service"],
          group_wait: "100ms",
          group_interval: "500ms",
          repeat_interval: "1h",
        },
        receivers: [{ name: "hook", webhook_configs: [{ url: hookUrl, send_resolved: true }] }],
      }),
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    child = spawn(
      alertmanager!,
      [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
        "--log.level=debug",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (chunk) => {
      amLog += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      amLog += chunk;
    });
    await waitFor("Alertmanager /-/ready", 20_000, async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited ${child.exitCode}:\n${amLog}`);
      const ready = await fetch(`${amUrl}/-/ready`).catch(() => undefined);
      return ready?.ok ? true : undefined;
    });
  });

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (hook !== undefined) await new Promise((resolve) => hook.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("fires on an error burst, reaches the webhook with its labels, and resolves after recovery", async () => {
    const collector = new TelemetryCollector({
      serviceName: "alert-e2e",
      exporter: "none",
      saturation: false,
      runtimeMetrics: false,
      window: false,
    });
    const window = new WindowStore({ intervalMs: 250, retentionMs: 10_000 });
    const engine = new AlertingEngine({
      rules: loadRules({
        rules: [
          {
            name: "ChatErrorBurst",
            signal: "errors",
            statistic: "ratio",
            threshold: 0.5,
            window: "1s",
            for: "500ms",
            severity: "critical",
            matchers: { operation: "chat" },
            labels: { team: "ai" },
            annotations: { summary: "{{ $value | humanizePercentage }} of chat operations fail" },
          },
        ],
      }),
      serviceName: "alert-e2e",
      window,
      // Firing alerts carry endsAt = now + 4 min: only the engine's resolve can end them in this test.
      notifiers: [createAlertmanagerNotifier({ url: amUrl })],
      generatorURL: "http://127.0.0.1:9464/api/alerts",
    });
    let failing = true;
    const timeline: string[] = [];
    // The application: 5 chat operations every 100 ms, failing with a timeout during the burst.
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        for (let i = 0; i < 5; i++) {
          collector.recordSignal(GoldenSignals.ERROR_RATE, failing ? 1 : 0, {
            operation: "chat",
            error_type: "timeout",
          });
        }
        window.ingest(await collector.collect());
        const [state] = engine.evaluate();
        if (timeline.at(-1) !== state!.status) timeline.push(state!.status);
      } finally {
        busy = false;
      }
    };
    const loop = setInterval(() => void tick(), 100);
    try {
      const firing = await waitFor("the firing alert at the webhook", 20_000, () =>
        received.find((payload) => payload.status === "firing"),
      );
      expect(firing).toMatchObject({
        version: "4",
        receiver: "hook",
        groupLabels: { alertname: "ChatErrorBurst", service: "alert-e2e" },
      });
      expect(firing.alerts).toHaveLength(1);
      const [alert] = firing.alerts;
      expect(alert!.labels).toEqual({
        alertname: "ChatErrorBurst",
        severity: "critical",
        service: "alert-e2e",
        team: "ai",
      });
      expect(alert!.annotations).toEqual({ summary: "100% of chat operations fail" });
      expect(alert!.generatorURL).toBe("http://127.0.0.1:9464/api/alerts");
      expect(Date.parse(alert!.startsAt)).toBeGreaterThan(Date.now() - 20_000);

      failing = false; // recovery
      const resolved = await waitFor("the resolved alert at the webhook", 20_000, () =>
        received.find((payload) => payload.status === "resolved"),
      );
      expect(resolved.alerts[0]!.labels.alertname).toBe("ChatErrorBurst");
      expect(resolved.alerts[0]!.status).toBe("resolved");
      expect(Date.parse(resolved.alerts[0]!.endsAt)).toBeLessThanOrEqual(Date.now());
      expect(resolved.alerts[0]!.startsAt).toBe(alert!.startsAt);
      expect(timeline).toEqual(["pending", "firing", "resolved"]);
      expect(engine.deliveryStats()[0]).toMatchObject({ notifier: "alertmanager", failed: 0 });
    } finally {
      clearInterval(loop);
      await engine.shutdown();
      await collector.shutdown();
    }
  });
});
