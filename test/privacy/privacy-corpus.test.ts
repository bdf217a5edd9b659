import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { createWebhookNotifier } from "zoran-telemetrie/alerting";
import { exchange } from "../../src/instrument/ai-exchange.js";
import { wrap } from "../../src/instrument/wrap.js";
import { sumOf } from "../helpers/prometheus-samples.js";

/**
 * Every value of the sensitive-value corpus (test/fixtures/privacy/sensitive-values.json) goes
 * through every entry point, as attribute values, operation and span names, resources, error
 * messages, exceptions, prompts and completions. No fragment of any may come out of any output:
 * Prometheus text and OpenMetrics (over HTTP), OTLP metrics and traces (raw bodies as they left
 * the process), the JSON and CSV exports, the live page and its snapshot API, the alert
 * notifications a webhook receives, and the diag messages.
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

/** A real HTTP endpoint that keeps every raw request body (OTLP/JSON receiver, alert webhook). */
class RawSink {
  readonly bodies: { path: string; body: string }[] = [];
  url = "";
  #server: Server | undefined;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.bodies.push({ path: req.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
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
  const outputs: Record<string, string> = {};
  const diagMessages: string[] = [];
  let collector: TelemetryCollector;

  beforeAll(async () => {
    await otlp.start();
    await webhook.start();
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

    for (const { value, detectable } of corpus.values) {
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
      }
    }

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
  }, 60_000);

  afterAll(async () => {
    await otlp.stop();
    await webhook.stop();
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
