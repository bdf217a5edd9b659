import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { createHttpListener } from "../../src/instrument/create-http-listener.js";
import { exchange } from "../../src/instrument/exchange.js";
import { expressMiddleware } from "../../src/instrument/express-middleware.js";
import { instrumentFetch } from "../../src/instrument/instrument-fetch.js";
import { wrap } from "../../src/instrument/wrap.js";
import { TOKENS_METRIC } from "../../src/signals/metric-definitions.js";
import { sumOf } from "../helpers/prometheus-samples.js";

/**
 * Personal data in prompts, completions, URLs, operation names and error messages goes through
 * every helper; none of it may come out of any export: `/metrics`, OpenMetrics, the JSON and CSV
 * exports, the raw OTLP/HTTP bodies (metrics and spans) a real receiver gets.
 */

const EMAIL = "jane.doe@example.com";
const PHONE = "+33 6 12 34 56 78";
const API_KEY = "sk-proj-Zq8vT3xLm9Pw2Rk7Yb4Hn6Jc";
const PROMPT = `Hi, I am Jane (${EMAIL}, ${PHONE}). My key is ${API_KEY}, please fix my account.`;
// Every fragment that would betray one of them, not only the whole value.
const FORBIDDEN = [
  "jane",
  "example.com",
  "12 34 56 78",
  "612345678",
  "sk-proj",
  "Zq8vT3xLm9",
  "fix my account",
  "%40",
  "user=",
  "phone=",
];

/** A real OTLP/HTTP JSON endpoint that keeps the raw request bodies, as they left the process. */
class RawOtlpSink {
  readonly bodies: { path: string; body: string }[] = [];
  #server: Server | undefined;
  url = "";

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

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

describe("instrumentation privacy", () => {
  const sink = new RawOtlpSink();
  let upstream: Server;
  let upstreamUrl = "";
  const outputs: Record<string, string> = {};

  beforeAll(async () => {
    await sink.start();
    const collector = new TelemetryCollector({
      serviceName: "privacy-test",
      exporter: ["prometheus", "otlp"],
      port: 0,
      otlp: { endpoint: sink.url, protocol: "http/json", intervalMs: 60_000 },
      saturation: false,
      runtimeMetrics: false,
    });
    await collector.start();

    // A real upstream "model" that echoes the prompt back, and an instrumented server in front of nothing.
    upstream = createServer(
      createHttpListener(collector, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
          const prompt = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { prompt: string }).prompt;
          res.setHeader("content-type", "application/json").end(
            JSON.stringify({
              model: "gpt-4o-mini-2024-07-18",
              choices: [
                {
                  index: 0,
                  message: { role: "assistant", content: `You said: ${prompt}` },
                  finish_reason: "stop",
                },
              ],
              usage: { prompt_tokens: 40, completion_tokens: 52, total_tokens: 92 },
            }),
          );
        });
      }),
    );
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const tracedFetch = instrumentFetch(collector, { exchange: "ai_human" });

    await exchange(
      collector,
      { operation: `support reply for ${EMAIL}`, kind: "ai_human", provider: "openai", model: "gpt-4o-mini" },
      async (ex) => {
        const body = ex.request({ prompt: PROMPT });
        const response = await tracedFetch(
          `${upstreamUrl}/v1/chat?user=${encodeURIComponent(EMAIL)}&key=${API_KEY}`,
          {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
            body: JSON.stringify(body),
          },
        );
        ex.response(await response.json());
      },
    );
    await exchange(
      collector,
      { operation: "support_stream", kind: "ai_human", mustAnswer: true },
      async (ex) => {
        const chunks = [
          { choices: [{ index: 0, delta: { content: `Reply to ${EMAIL}` }, finish_reason: null }] },
          { choices: [{ index: 0, delta: { refusal: `I won't call ${PHONE}` }, finish_reason: "stop" }] },
          { choices: [], usage: { prompt_tokens: 7, completion_tokens: 9 } },
        ];
        for await (const _chunk of ex.stream(chunks)) {
          // forwarded to the user
        }
      },
    );
    await expect(
      exchange(collector, { operation: "support_crash", kind: "ai_ai" }, async () => {
        throw new Error(`could not reach ${EMAIL} with key ${API_KEY}`);
      }),
    ).rejects.toThrow();
    const lookup = wrap(collector, `lookup ${PHONE}`, (email: string) => email.length);
    lookup(EMAIL);

    // An Express router mounted on a parameterised path, reached with the email in the path and
    // in an incoming tracestate; its handler calls the upstream with a per-call operation name.
    const site = express();
    site.use(expressMiddleware(collector));
    const accounts = express.Router({ mergeParams: true });
    const namedFetch = instrumentFetch(collector, { operation: () => `refresh for ${EMAIL}` });
    accounts.get("/tickets/:ticket", async (_req, res) => {
      const answer = await namedFetch(`${upstreamUrl}/v1/chat`, {
        method: "POST",
        body: JSON.stringify({ prompt: PROMPT }),
      });
      res.send(await answer.text());
    });
    site.use("/accounts/:account", accounts);
    const siteServer = createServer(site);
    await new Promise<void>((resolve) => siteServer.listen(0, "127.0.0.1", resolve));
    const siteUrl = `http://127.0.0.1:${(siteServer.address() as AddressInfo).port}`;
    const siteResponse = await fetch(
      `${siteUrl}/accounts/${encodeURIComponent(EMAIL)}/tickets/${encodeURIComponent(PHONE)}`,
      {
        headers: {
          traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          tracestate: `user=${EMAIL},phone=${PHONE.replaceAll(" ", "")}`,
        },
      },
    );
    expect(siteResponse.status).toBe(200);
    await siteResponse.text();
    siteServer.closeAllConnections();
    await new Promise<void>((resolve) => siteServer.close(() => resolve()));

    outputs.metrics = await (await fetch(`${collector.url}/metrics`)).text();
    outputs.openmetrics = await collector.export("openmetrics");
    outputs.json = await collector.export("json");
    outputs.csv = await collector.export("csv");
    await collector.shutdown();
    outputs.otlpMetrics = sink.bodies
      .filter((b) => b.path === "/v1/metrics")
      .map((b) => b.body)
      .join("\n");
    outputs.otlpTraces = sink.bodies
      .filter((b) => b.path === "/v1/traces")
      .map((b) => b.body)
      .join("\n");
  });

  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    await sink.stop();
  });

  it("exports the exchanges' signals (so the checks below look at real output)", () => {
    expect(sumOf(outputs.metrics!, TOKENS_METRIC.promName, { direction: "output" })).toBe(52 + 9);
    for (const name of ["openmetrics", "json", "csv", "otlpMetrics"])
      expect(outputs[name]).toContain("support_stream");
    expect(outputs.otlpTraces).toContain("support_stream");
    expect(outputs.otlpTraces).toContain("gen_ai.usage.output_tokens");
    expect(outputs.metrics).toContain("support reply for <email>");
    expect(outputs.metrics).toContain("GET /accounts/:account/tickets/:ticket");
    expect(outputs.otlpTraces).toContain("refresh for <email>");
  });

  it.each([
    "metrics",
    "openmetrics",
    "json",
    "csv",
    "otlpMetrics",
    "otlpTraces",
  ])("leaves no email, phone number, API key or prompt text in the %s output", (name) => {
    const output = outputs[name]!;
    for (const fragment of FORBIDDEN) expect(output, `"${fragment}" in ${name}`).not.toContain(fragment);
  });

  it("puts only allow-listed attributes on spans", () => {
    const keys = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (Array.isArray(record.spans))
          for (const span of record.spans as { attributes?: { key: string }[] }[])
            for (const attribute of span.attributes ?? []) keys.add(attribute.key);
        Object.values(record).forEach(collect);
      }
    };
    for (const body of outputs.otlpTraces!.split("\n")) collect(JSON.parse(body));
    expect([...keys].sort()).toEqual(
      [
        "error.type",
        "gen_ai.operation.name",
        "gen_ai.request.model",
        "gen_ai.response.finish_reasons",
        "gen_ai.response.model",
        "gen_ai.response.time_to_first_chunk",
        "gen_ai.system",
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "http.request.method",
        "http.response.status_code",
        "http.route",
        "server.address",
        "server.port",
        "zoran.exchange",
        // Issue 16: counts and seconds, no content.
        "zoran.refusals",
        "zoran.time_to_first_token",
      ].sort(),
    );
  });
});
