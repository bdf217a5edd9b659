import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AlertNotification } from "../../src/alerting/alert-state.js";
import { AlertingEngine } from "../../src/alerting/alerting-engine.js";
import { DeliveryQueue } from "../../src/alerting/delivery-queue.js";
import { loadRules } from "../../src/alerting/load-rules.js";
import { createAlertmanagerNotifier } from "../../src/alerting/notifiers/alertmanager-notifier.js";
import { createConsoleNotifier } from "../../src/alerting/notifiers/console-notifier.js";
import { createSlackNotifier } from "../../src/alerting/notifiers/slack-notifier.js";
import { createWebhookNotifier, type WebhookPayload } from "../../src/alerting/notifiers/webhook-notifier.js";
import { WindowStore } from "../../src/window/window-store.js";
import { createGoldenSignalMeter } from "../window/golden-signal-meter.js";
import { createRecordingNotifier } from "./recording-notifier.js";

interface Received {
  path: string;
  body: unknown;
}

/** A receiver on 127.0.0.1 that answers each request with the next status in `statuses` (200 after). */
async function startReceiver(statuses: (number | "hang")[] = []) {
  const received: Received[] = [];
  const waiting: (() => void)[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = "";
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => {
      const status = statuses.shift() ?? 200;
      if (status === "hang") return; // never answers: the client must time out
      received.push({ path: request.url ?? "", body: JSON.parse(text) });
      response.writeHead(status).end(status === 200 ? "ok" : "nope");
      waiting.splice(0).forEach((wake) => {
        wake();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return {
    url,
    received,
    /** Resolves once `count` requests were answered, or rejects after 5 s. */
    async until(count: number): Promise<void> {
      const deadline = Date.now() + 5000;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} requests arrived`);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 50).unref();
        });
      }
    },
  };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const notification: AlertNotification = {
  status: "firing",
  labels: { alertname: "ZoranErrorRatioHigh", severity: "critical", service: "chat" },
  annotations: { summary: "25% <of> operations fail", runbook_url: "https://runbooks.example/errors" },
  startsAt: "2026-01-01T00:00:00.000Z",
  endsAt: null,
  generatorURL: "http://127.0.0.1:9464/api/alerts",
  fingerprint: "0123456789abcdef",
  value: 0.25,
};
const context = () => ({ signal: AbortSignal.timeout(5000), nowMs: Date.parse("2026-01-01T00:01:00Z") });

describe("createWebhookNotifier", () => {
  it("posts the Alertmanager webhook payload, version 4", async () => {
    const receiver = await startReceiver();
    const notifier = createWebhookNotifier({ url: `${receiver.url}/hook`, receiver: "team-ai" });
    await notifier.send(
      [
        notification,
        {
          ...notification,
          status: "resolved",
          labels: { ...notification.labels, severity: "warning" },
          endsAt: "2026-01-01T00:05:00.000Z",
        },
      ],
      context(),
    );
    const [{ path, body }] = receiver.received as [Received];
    const payload = body as WebhookPayload;
    expect(path).toBe("/hook");
    expect(payload).toMatchObject({
      version: "4",
      status: "firing",
      receiver: "team-ai",
      truncatedAlerts: 0,
      groupLabels: { service: "chat" },
      commonLabels: { alertname: "ZoranErrorRatioHigh", service: "chat" },
    });
    expect(payload.alerts[0]).toEqual({
      status: "firing",
      labels: notification.labels,
      annotations: notification.annotations,
      startsAt: notification.startsAt,
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: notification.generatorURL,
      fingerprint: notification.fingerprint,
    });
    expect(payload.alerts[1]).toMatchObject({ status: "resolved", endsAt: "2026-01-01T00:05:00.000Z" });
  });
});

describe("createAlertmanagerNotifier", () => {
  it("posts API v2 alerts with a future endsAt while firing", async () => {
    const receiver = await startReceiver();
    const notifier = createAlertmanagerNotifier({ url: receiver.url, resendIntervalMs: 15_000 });
    await notifier.send([notification], context());
    expect(receiver.received).toEqual([
      {
        path: "/api/v2/alerts",
        body: [
          {
            labels: notification.labels,
            annotations: notification.annotations,
            startsAt: notification.startsAt,
            endsAt: "2026-01-01T00:02:00.000Z", // now + 4 * 15 s
            generatorURL: notification.generatorURL,
          },
        ],
      },
    ]);
    expect(notifier.repeatIntervalMs).toBe(15_000);
  });
});

describe("createSlackNotifier", () => {
  it("posts one escaped text line per alert", async () => {
    const receiver = await startReceiver();
    await createSlackNotifier({ url: `${receiver.url}/services/T/B/secret` }).send([notification], context());
    expect(receiver.received[0]!.body).toEqual({
      text: ":red_circle: *FIRING* ZoranErrorRatioHigh (critical) on chat | 25% &lt;of&gt; operations fail | <https://runbooks.example/errors|runbook>",
    });
  });
});

describe("createConsoleNotifier", () => {
  it("writes one line per alert", async () => {
    const lines: string[] = [];
    await createConsoleNotifier({ write: (line) => lines.push(line) }).send([notification], context());
    expect(lines).toEqual([
      "[zoran-telemetrie] FIRING ZoranErrorRatioHigh severity=critical value=0.25 | 25% <of> operations fail",
    ]);
  });
});

describe("DeliveryQueue", () => {
  it("retries a receiver that answers 503, then delivers", async () => {
    const receiver = await startReceiver([503, 503]);
    const queue = new DeliveryQueue(createWebhookNotifier({ url: receiver.url }), { backoffBaseMs: 10 });
    queue.enqueue([notification], Date.now());
    await receiver.until(1);
    expect(await queue.close(5000)).toBe(true);
    expect(queue.stats).toMatchObject({ delivered: 1, retried: 2, failed: 0 });
  });

  it("does not retry an answer that will not change (400) and reports it", async () => {
    const receiver = await startReceiver([400]);
    const errors: string[] = [];
    const queue = new DeliveryQueue(
      createWebhookNotifier({ url: receiver.url }),
      { backoffBaseMs: 10 },
      (name, error) => errors.push(`${name}: ${error.message}`),
    );
    queue.enqueue([notification], Date.now());
    expect(await queue.close(5000)).toBe(true);
    expect(queue.stats).toMatchObject({ delivered: 0, retried: 0, failed: 1 });
    expect(errors).toEqual([
      expect.stringMatching(/^webhook: POST http:\/\/127\.0\.0\.1:\d+\/\.\.\. answered 400/),
    ]);
  });

  it("times out an attempt that hangs and gives up after maxAttempts", async () => {
    const receiver = await startReceiver(["hang", "hang"]);
    const queue = new DeliveryQueue(createWebhookNotifier({ url: receiver.url }), {
      attemptTimeoutMs: 100,
      maxAttempts: 2,
      backoffBaseMs: 10,
    });
    const started = Date.now();
    queue.enqueue([notification], started);
    // Settled within close()'s 5 s although the receiver never answers: the 100 ms attempt
    // timeout was honoured (no wall-clock bound of our own: a loaded machine is only slower).
    expect(await queue.close(5000)).toBe(true);
    expect(queue.stats).toMatchObject({ delivered: 0, retried: 1, failed: 1 });
  });

  it("bounds shutdown: aborts what is still in flight after the timeout", async () => {
    const receiver = await startReceiver(["hang"]);
    const queue = new DeliveryQueue(createWebhookNotifier({ url: receiver.url }), {
      attemptTimeoutMs: 60_000,
    });
    queue.enqueue([notification], Date.now());
    const started = Date.now();
    expect(await queue.close(200)).toBe(false);
    // Far below the 60 s the attempt would hang for; loose enough for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("AlertingEngine notifications", () => {
  it("keeps delivering to healthy notifiers while one fails, and reports the failing one", async () => {
    const meter = createGoldenSignalMeter();
    const receiver = await startReceiver();
    const broken = createRecordingNotifier("broken");
    broken.failNext(100);
    const failures: string[] = [];
    const window = new WindowStore({ intervalMs: 1000, retentionMs: 60_000 });
    const engine = new AlertingEngine({
      rules: loadRules({ rules: [{ name: "CpuHigh", signal: "saturation", threshold: 0.5, window: "1s" }] }),
      serviceName: "chat",
      window,
      notifiers: [broken, createWebhookNotifier({ url: receiver.url })],
      delivery: { maxAttempts: 2, backoffBaseMs: 5 },
      onDeliveryError: (name) => failures.push(name),
    });
    meter.saturation(0.9, "cpu");
    window.ingest(await meter.collect());
    const states = engine.evaluate();
    // Recording is never held up by deliveries: evaluate() returns before any has been attempted.
    expect(states[0]!.status).toBe("firing");
    expect(engine.deliveryStats().map((stats) => stats.delivered + stats.failed + stats.retried)).toEqual([
      0, 0,
    ]);
    await receiver.until(1);
    await engine.shutdown();
    expect((receiver.received[0]!.body as WebhookPayload).alerts[0]!.labels.alertname).toBe("CpuHigh");
    expect(failures).toEqual(["broken"]);
    expect(engine.deliveryStats()).toMatchObject([
      { notifier: "broken", failed: 1, retried: 1, lastError: "broken is down" },
      { notifier: "webhook", delivered: 1, failed: 0 },
    ]);
    await meter.shutdown();
  });
});
