import type { DiagLogger } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { GoldenSignals, type SignalAttributes, TelemetryCollector } from "zoran-telemetrie";
import { createSlackNotifier, createWebhookNotifier } from "zoran-telemetrie/alerting";
import { describeError, describeForDiag } from "../../src/privacy/describe-error.js";

/**
 * Issue 15, finding 11: "Caller content in errors and diag: `trace("answer <email> ...",
 * notAFunction)` quotes the name in its `TypeError`; throwing getters, option proxies and
 * observable callbacks are quoted in diag; a malformed webhook URL's secret path is quoted."
 *
 * Each entry point gets a value carrying an email, a key or a webhook secret; neither the error
 * thrown to the caller nor any diag message may quote it. What is left must still say what
 * failed (the type, the code).
 */

const EMAIL = "jane.doe@example.com";
const KEY = "sk-proj-Zq8vT3xLm9Pw2Rk7Yb4Hn6Jc";
const SECRET = "T00000000/B00000000/XXXXsecretXXXX";
const FORBIDDEN = ["jane.doe", "example.com", "sk-proj", "Zq8vT3xLm9", "secret", "T00000000"];

function collecting(): { diag: DiagLogger; messages: string[] } {
  const messages: string[] = [];
  const log = (message: string, ...args: unknown[]) =>
    void messages.push(
      [message, ...args.map((a) => (a instanceof Error ? describeError(a) : String(a)))].join(" "),
    );
  return { diag: { error: log, warn: log, info: log, debug: log, verbose: log }, messages };
}

function expectClean(text: string): void {
  for (const fragment of FORBIDDEN) expect(text, text).not.toContain(fragment);
}

const thrower = (where: string) => {
  throw new Error(`${where} failed for ${EMAIL} with ${KEY}`);
};

describe("errors thrown to the caller quote no caller text", () => {
  const collector = new TelemetryCollector({
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    window: false,
  });

  it("trace() with something that is not a function", () => {
    expect(() => collector.trace(`answer ${EMAIL} with ${KEY}`, 42 as never)).toThrow(TypeError);
    try {
      collector.trace(`answer ${EMAIL} with ${KEY}`, 42 as never);
    } catch (error) {
      expectClean(String(error));
      expect(String(error)).toContain("needs a function");
    }
  });

  it("wrap() with something that is not a function", () => {
    expect(() => collector.wrap(`answer ${EMAIL} with ${KEY}`, "x" as never)).toThrow(TypeError);
    try {
      collector.wrap(`answer ${EMAIL} with ${KEY}`, "x" as never);
    } catch (error) {
      expectClean(String(error));
      expect(String(error)).toContain("needs a function");
    }
  });
});

describe("diag messages quote no caller text", () => {
  it("for throwing getters, attribute proxies and observable callbacks", async () => {
    const { diag, messages } = collecting();
    const collector = new TelemetryCollector({
      exporter: "none",
      saturation: false,
      runtimeMetrics: false,
      window: false,
      diag,
    });
    const getter = {
      get operation(): string {
        return thrower("getter");
      },
    } as SignalAttributes;
    const proxy = new Proxy({}, { get: () => thrower("proxy") }) as SignalAttributes;
    collector.recordSignal(GoldenSignals.LATENCY, 0.1, getter);
    collector.recordSignal(GoldenSignals.ERROR_RATE, 1, proxy);
    collector.recordSignal(GoldenSignals.TRAFFIC, 1, proxy);
    collector.series(GoldenSignals.SATURATION, getter);
    collector.meter.createObservableGauge("app_gauge").addCallback(() => thrower("callback"));
    await collector.export("prometheus");
    await collector.shutdown();
    expect(messages.some((m) => m.includes("internal_error"))).toBe(true);
    expect(messages.some((m) => m.includes("collection error"))).toBe(true);
    for (const message of messages) expectClean(message);
  });

  it("for a malformed webhook or Slack URL, whose path holds the secret", async () => {
    const notification = {
      status: "firing" as const,
      labels: { alertname: "AnyError" },
      annotations: {},
      startsAt: new Date(0).toISOString(),
      endsAt: null,
      generatorURL: "",
      fingerprint: "0",
      value: 1,
    };
    for (const notifier of [
      createWebhookNotifier({ url: `http://127.0.0.1:bad/services/${SECRET}` }),
      createWebhookNotifier({ url: `127.0.0.1/services/${SECRET}` }),
      createSlackNotifier({ url: `http://[127.0.0.1]/services/${SECRET}` }),
      // Well formed, refused: the message names the host, never the path.
      createWebhookNotifier({ url: `http://127.0.0.1:1/services/${SECRET}` }),
    ]) {
      // The delivery queue quotes this message in diag (notifier "webhook" failed: ...).
      const failure = await notifier
        .send([notification], { signal: AbortSignal.timeout(5_000), nowMs: 0 })
        .then(
          () => undefined,
          (error: unknown) => error as Error,
        );
      expect(failure).toBeInstanceOf(Error);
      expectClean(String(failure?.message));
      expectClean(describeError(failure));
    }
  });
});

describe("describeError and describeForDiag", () => {
  it("keep the type, the system code and the HTTP status, never the message", () => {
    const refused = Object.assign(new Error(`connect ECONNREFUSED for ${EMAIL}`), {
      code: "ECONNREFUSED",
      syscall: "connect",
      address: "127.0.0.1",
      port: 4318,
    });
    const described = describeError(new TypeError(`fetch failed for ${EMAIL}`, { cause: refused }));
    expect(described).toBe("TypeError (cause: Error ECONNREFUSED connect <ipv4>:4318)");
    expect(
      describeError(Object.assign(new Error(`answered ${KEY}`), { name: "OTLPExporterError", code: 503 })),
    ).toBe("OTLPExporterError (HTTP 503)");
    class LookupError extends Error {}
    expect(describeError(new LookupError(EMAIL))).toBe("LookupError");
  });

  it("describe any other value by its type and size only, and never throw", () => {
    expect(describeForDiag(`lookup ${EMAIL}`)).toBe("a string of 27 characters");
    expect(describeForDiag([EMAIL, KEY])).toBe("an array of 2");
    expect(describeForDiag({ email: EMAIL })).toBe("an object");
    expect(describeForDiag(4111111111111111)).toBe("a number");
    expect(describeForDiag(null)).toBe("null");
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(describeForDiag(revoked.proxy)).toBe("an object");
    expect(describeError(revoked.proxy)).toBe("an object");
    const hostile = new Proxy(new Error(EMAIL), {
      get: () => thrower("get"),
      getPrototypeOf: () => thrower("proto"),
    });
    expectClean(describeError(hostile));
  });
});
