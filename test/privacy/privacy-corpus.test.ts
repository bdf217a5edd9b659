import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expressMiddleware, GoldenSignals, instrumentFetch, TelemetryCollector } from "zoran-telemetrie";
import { createWebhookNotifier } from "zoran-telemetrie/alerting";
import { exchange } from "../../src/instrument/exchange.js";
import { wrap } from "../../src/instrument/wrap.js";
import { sumOf } from "../helpers/prometheus-samples.js";

/**
 * Every value of the sensitive-value corpus (test/fixtures/privacy/sensitive-values.json) goes
 * through every entry point, as attribute values, operation and span names, resources, error
 * messages, exceptions, prompts and completions. No fragment of any may come out of any output:
 * Prometheus text and OpenMetrics (over HTTP), OTLP metrics and traces (raw bodies as they left
 * the process), the JSON and CSV exports, the live page and its snapshot API, the alert
 * notifications a webhook receives, the diag messages, and the `tracestate` our outgoing calls
 * carry.
 *
 * The entry points include the instrumented fetch (fixed and per-call operation names: span
 * names), an Express app with routers mounted on parameterised paths (the values in the path,
 * percent-encoded), an incoming `tracestate` holding the value, attribute getters and an
 * observable callback that throw it. The ordinary labels (test/fixtures/privacy/ordinary-labels.json)
 * go through as operation names and must come out unchanged.
 */

interface SensitiveValue {
  category: string;
  detectable: boolean;
  value: string;
  fragments: string[];
}
const corpus = JSON.parse(
  readFileSync(new URL("../fixtures/privacy/sensitive-values.json", import.meta.url), "utf8"),
) as { values: SensitiveValue[] };
const ordinaryOperations = (
  JSON.parse(readFileSync(new URL("../fixtures/privacy/ordinary-labels.json", import.meta.url), "utf8")) as {
    operations: string[];
  }
).operations;

/** A value as a `tracestate` member value can carry it (printable ASCII but `,` and `=`), or undefined. */
function traceStateValue(value: string): string | undefined {
  return /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{1,256}$/.test(value) && !value.endsWith(" ") ? value : undefined;
}

/** A real HTTP endpoint that keeps every raw request body (OTLP/JSON receiver, alert webhook). */
class RawSink {
  readonly bodies: { path: string; body: string; tracestate: string }[] = [];
  url = "";
  #server: Server | undefined;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.bodies.push({
          path: req.url ?? "",
          body: Buffer.concat(chunks).toString("utf8"),
          tracestate: String(req.headers.tracestate ?? ""),
        });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  text(path: string): string {
    return this.bodies
      .filter((b) => b.path.startsWith(path))
      .map((b) => b.body)
      .join("\n");
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

class Sensitive extends Error {}

describe("privacy: the sensitive-value corpus through every entry point", () => {
  const otlp = new RawSink();
  const webhook = new RawSink();
  const upstream = new RawSink();
  let app: Server;
  const outputs: Record<string, string> = {};
  const diagMessages: string[] = [];
  let collector: TelemetryCollector;

  beforeAll(async () => {
    await otlp.start();
    await webhook.start();
    await upstream.start();
    const log = (message: string, ...args: unknown[]) =>
      void diagMessages.push(`${message} ${args.map((a) => String(a)).join(" ")}`);
    collector = new TelemetryCollector({
      serviceName: "privacy-corpus",
      exporter: ["prometheus", "otlp"],
      port: 0,
      otlp: { endpoint: otlp.url, protocol: "http/json", intervalMs: 60_000 },
      saturation: false,
      runtimeMetrics: false,
      window: { intervalMs: 100 },
      diag: { error: log, warn: log, info: log, debug: log, verbose: log },
      alerting: {
        evaluationIntervalMs: 100,
        rules: [
          {
            name: "AnyError",
            signal: "errors",
            statistic: "ratio",
            threshold: 0.01,
            window: "1m",
            by: ["operation"],
            annotations: { summary: "errors in {{ $labels.operation }}" },
          },
        ],
        notifiers: [createWebhookNotifier({ url: `${webhook.url}/hook` })],
      },
    });
    await collector.start();

    // An Express app with routers mounted on parameterised paths; its handlers call an upstream
    // through the instrumented fetch (so the incoming tracestate would be propagated there).
    const tracedFetch = instrumentFetch(collector, { operation: "corpus_upstream" });
    const callUpstream = async (res: express.Response) => {
      const answer = await tracedFetch(`${upstream.url}/echo`);
      res.send(await answer.text());
    };
    const site = express();
    site.use(expressMiddleware(collector));
    const users = express.Router({ mergeParams: true });
    users.get("/orders", (_req, res) => void callUpstream(res));
    site.use("/users/:user", users);
    const orgs = express.Router({ mergeParams: true });
    const teams = express.Router({ mergeParams: true });
    teams.get("/members/:member", (_req, res) => void callUpstream(res));
    orgs.use("/teams/:team", teams);
    site.use("/orgs/:org", orgs);
    app = createServer(site);
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    const siteUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    // Throws the value at every collection: reported through diag, never quoted.
    let callbackValue = "";
    collector.meter.createObservableGauge("corpus_callback").addCallback(() => {
      if (callbackValue !== "") throw new Error(`callback could not read ${callbackValue}`);
    });

    for (const [i, { value, detectable }] of corpus.values.entries()) {
      callbackValue = value;
      // Attribute getters and proxies that throw the value.
      collector.recordSignal(GoldenSignals.LATENCY, 0.1, {
        get operation(): string {
          throw new Error(`getter saw ${value}`);
        },
      });
      collector.recordSignal(
        GoldenSignals.TRAFFIC,
        1,
        new Proxy(
          {},
          {
            get() {
              throw new Error(`proxy saw ${value}`);
            },
          },
        ),
      );
      // Express: the value in the mounted paths, percent-encoded as a client sends it, and in
      // an incoming tracestate next to a vendor entry.
      const encoded = encodeURIComponent(value);
      const stateValue = traceStateValue(value);
      const headers: Record<string, string> = {
        traceparent: `00-${(i + 1).toString(16).padStart(32, "0")}-${(i + 1).toString(16).padStart(16, "0")}-01`,
        ...(stateValue === undefined ? {} : { tracestate: `user=${stateValue},dd=s:1` }),
      };
      for (const path of [
        `/users/${encoded}/orders`,
        `/orgs/${encoded}/teams/${encoded}/members/${encoded}`,
      ]) {
        const response = await fetch(`${siteUrl}${path}`, { headers });
        expect(response.status, path).toBe(200);
        await response.text();
      }
      const prompt = `Hello, I am ${value}. Please summarise my file for me.`;
      // Content and other attributes: never labels, whatever they hold.
      const attributes = { user_id: value, prompt, email: value, error_type: value, exchange: value };
      collector.recordSignal(GoldenSignals.TRAFFIC, 10, { ...attributes, kind: "tokens", direction: value });
      collector.recordSignal(GoldenSignals.ERROR_RATE, 1, attributes);
      // Errors thrown with the value in their message, inside trace(), wrap() and exchange().
      await expect(
        collector.trace("corpus_trace", async () => {
          collector.recordSignal(GoldenSignals.LATENCY, 0.1, attributes);
          throw new Sensitive(`could not reach ${value}: ${prompt}`);
        }),
      ).rejects.toThrow(Sensitive);
      const wrapped = wrap(collector, "corpus_wrap", (input: string) => {
        throw new Error(`bad input ${input}`);
      });
      expect(() => wrapped(value)).toThrow();
      await exchange(
        collector,
        { operation: "corpus_exchange", kind: "ai_human", provider: "openai", model: "gpt-4o-mini" },
        async (ex) => {
          ex.request({ messages: [{ role: "user", content: prompt }], user: value });
          return ex.response({
            model: "gpt-4o-mini-2024-07-18",
            choices: [{ index: 0, message: { role: "assistant", content: `Dear ${value}, done.` } }],
            usage: { prompt_tokens: 12, completion_tokens: 7 },
          });
        },
      );
      await expect(
        exchange(collector, { operation: "corpus_exchange_fail", kind: "ai_ai" }, async () => {
          throw Object.assign(new Error(`upstream refused ${value}`), { status: 500, body: prompt });
        }),
      ).rejects.toThrow();
      if (detectable) {
        // Free-text label values: scrubbed in place (names in prompts cannot be, so they are
        // never passed here: operation names are the developer's, not the user's).
        collector.recordSignal(GoldenSignals.LATENCY, 0.2, { operation: `lookup ${value}` });
        collector.recordSignal(GoldenSignals.ERROR_RATE, 1, {
          operation: `send to ${value}`,
          error_type: "timeout",
        });
        collector.recordSignal(GoldenSignals.SATURATION, 0.5, { resource: `pool ${value}` });
        collector.series(GoldenSignals.TRAFFIC, { operation: `handle ${value}` }).record(3);
        collector.trace(`span for ${value}`, () => undefined, { exchange: "ai_ai" });
        wrap(collector, `wrapped ${value}`, () => 1)();
        await exchange(
          collector,
          { operation: `ask ${value}`, kind: "ai_ai", model: "gpt-4o" },
          async () => 1,
        );
        // Fetch span names: fixed and chosen per call.
        await (await instrumentFetch(collector, { operation: `call ${value}` })(`${upstream.url}/x`)).text();
        await (
          await instrumentFetch(collector, { operation: () => `per call ${value}` })(`${upstream.url}/y`)
        ).text();
      }
    }
    callbackValue = "";
    // Ordinary labels: operation names that must come out as they went in.
    for (const operation of ordinaryOperations)
      collector.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation });

    // Let the window take snapshots and the alert fire to the webhook.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !webhook.bodies.some((b) => b.body.includes('"firing"'))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const base = collector.url!;
    outputs.prometheus = await (await fetch(`${base}/metrics`)).text();
    outputs.openmetrics = await (
      await fetch(`${base}/metrics`, { headers: { accept: "application/openmetrics-text;version=1.0.0" } })
    ).text();
    outputs.livePage = await (await fetch(`${base}/`)).text();
    outputs.liveSnapshot = await (await fetch(`${base}/api/snapshot`)).text();
    outputs.alertsApi = await (await fetch(`${base}/api/alerts`)).text();
    outputs.json = await collector.export("json");
    outputs.csv = await collector.export("csv");
    await collector.shutdown();
    outputs.otlpMetrics = otlp.text("/v1/metrics");
    outputs.otlpTraces = otlp.text("/v1/traces");
    outputs.alertNotifications = webhook.text("/hook");
    outputs.diag = diagMessages.join("\n");
    outputs.outgoingTracestate = upstream.bodies.map((b) => b.tracestate).join("\n");
  }, 120_000);

  afterAll(async () => {
    app?.closeAllConnections();
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    await otlp.stop();
    await webhook.stop();
    await upstream.stop();
  });

  it("produced every output, with the corpus' signals in it", () => {
    for (const [name, text] of Object.entries(outputs)) {
      if (name !== "diag") expect(text.length, name).toBeGreaterThan(0);
    }
    expect(sumOf(outputs.prometheus!, "zoran_requests_total", { operation: "corpus_trace" })).toBe(
      corpus.values.length,
    );
    expect(outputs.otlpMetrics).toContain("zoran.requests");
    expect(outputs.otlpTraces).toContain("corpus_exchange");
    expect(outputs.alertNotifications).toContain("AnyError");
    // The new entry points produced what the checks below search.
    expect(outputs.prometheus).toContain('operation="GET /users/:user/orders"');
    expect(outputs.prometheus).toContain('operation="GET /orgs/:org/teams/:team/members/:member"');
    expect(outputs.otlpTraces).toContain('"http.route"');
    expect(outputs.otlpTraces).toContain("call <email>");
    expect(outputs.otlpTraces).toContain("per call <ipv4>");
    expect(outputs.diag).toContain("internal_error");
    expect(outputs.diag).toContain("collection error");
    expect(upstream.bodies.filter((b) => b.path === "/echo")).toHaveLength(corpus.values.length * 2);
    // Scrubbed free text is there, as placeholders.
    for (const placeholder of [
      "<email>",
      "<ipv4>",
      "<ipv6>",
      "<number>",
      "<iban>",
      "<jwt>",
      "<api_key>",
      "<path>",
    ]) {
      expect(outputs.prometheus, placeholder).toContain(placeholder);
    }
  });

  it("keeps no incoming tracestate entry, on spans or outgoing calls", () => {
    expect(outputs.otlpTraces).not.toContain("user=");
    expect(outputs.outgoingTracestate).not.toContain("user=");
  });

  it("exports the ordinary operation names unchanged", () => {
    const missing = ordinaryOperations.filter(
      (operation) => !(sumOf(outputs.prometheus!, "zoran_requests_total", { operation }) >= 1),
    );
    expect(missing).toEqual([]);
  });

  for (const entry of corpus.values) {
    it(`leaks no fragment of ${entry.category} ${JSON.stringify(entry.value)}`, () => {
      for (const [name, text] of Object.entries(outputs)) {
        // JSON outputs escape backslashes (Windows paths): look for both spellings.
        const haystacks = [text, text.replaceAll("\\\\", "\\")];
        for (const fragment of entry.fragments) {
          for (const haystack of haystacks)
            expect(haystack.includes(fragment), `${fragment} in ${name}`).toBe(false);
        }
      }
    });
  }

  // KNOWN DEFECT, reported to the lead: exchange() passes `model` values that look like model ids
  // (`^[\w.:/-]{1,64}$`, src/instrument/ai-exchange.ts) into `gen_ai.request.model` unscrubbed,
  // so an IPv4, an AWS or GitHub key, an IBAN or a dashed phone number given as the model leaks
  // into every metric output. Drop `.fails` once model names go through the token patterns.
  it("scrubs keys, addresses and numbers given as a model name", async () => {
    const local = new TelemetryCollector({
      exporter: "none",
      saturation: false,
      runtimeMetrics: false,
      window: false,
    });
    const leaky = ["203.0.113.42", "AKIAIOSFODNN7EXAMPLE", "GB29NWBK60161331926819", "090-1234-5678"];
    for (const model of leaky) await exchange(local, { operation: "m", kind: "ai_ai", model }, async () => 1);
    const text = await local.export("prometheus");
    await local.shutdown();
    for (const model of leaky) expect(text).not.toContain(model);
  });
});
