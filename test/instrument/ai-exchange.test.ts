import { readFileSync } from "node:fs";
import type { HistogramMetricData, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { exchange } from "../../src/instrument/exchange.js";
import {
  GEN_AI_DURATION_BOUNDS_SECONDS,
  GEN_AI_METRIC_NAMES,
  GEN_AI_TOKEN_BOUNDS,
} from "../../src/instrument/gen-ai-metrics.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  REQUESTS_METRIC,
  TOKENS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { sumOf } from "../helpers/prometheus-samples.js";

type Json = Record<string, unknown> & { usage: Record<string, number> };

function fixture<T = Json>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/ai/${name}`, import.meta.url), "utf8")) as T;
}

async function* replay<T>(chunks: readonly T[]): AsyncGenerator<T> {
  for (const chunk of chunks) {
    await new Promise((resolve) => setImmediate(resolve));
    yield chunk;
  }
}

const collectors: TelemetryCollector[] = [];
function newCollector(): TelemetryCollector {
  const collector = new TelemetryCollector({
    serviceName: "exchange-test",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
  });
  collectors.push(collector);
  return collector;
}

afterEach(async () => {
  delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
  await Promise.all(collectors.splice(0).map((collector) => collector.shutdown()));
});

const tokens = (text: string, operation: string, direction: string) =>
  sumOf(text, TOKENS_METRIC.promName, { operation, direction });
const requests = (text: string, operation: string, outcome: string) =>
  sumOf(text, REQUESTS_METRIC.promName, { operation, outcome });
const errors = (text: string, operation: string, errorType: string) =>
  sumOf(text, ERRORS_METRIC.promName, { operation, error_type: errorType });

function histogram(snapshot: ResourceMetrics, name: string): HistogramMetricData | undefined {
  for (const scope of snapshot.scopeMetrics)
    for (const metric of scope.metrics)
      if (metric.descriptor.name === name) return metric as HistogramMetricData;
  return undefined;
}

describe("exchange() token accounting", () => {
  it("equals the usage fields of an OpenAI chat completion", async () => {
    const collector = newCollector();
    const response = fixture("openai-chat-completion.json");
    const result = await exchange(
      collector,
      { operation: "summarize", kind: "ai_human", provider: "openai" },
      async (ex) => ex.response(response),
    );
    expect(result).toBe(response);
    const text = await collector.export("prometheus");
    expect(tokens(text, "summarize", "input")).toBe(response.usage.prompt_tokens);
    expect(tokens(text, "summarize", "output")).toBe(response.usage.completion_tokens);
    expect(sumOf(text, TOKENS_METRIC.promName, { operation: "summarize", exchange: "ai_human" })).toBe(
      response.usage.total_tokens,
    );
    expect(requests(text, "summarize", "ok")).toBe(1);
  });

  it("equals the usage fields of an Anthropic message, cached input included", async () => {
    const collector = newCollector();
    const response = fixture("anthropic-message.json");
    await exchange(
      collector,
      { operation: "incident_summary", kind: "ai_ai", provider: "anthropic" },
      async (ex) => ex.response(response),
    );
    const text = await collector.export("prometheus");
    const { usage } = response;
    expect(tokens(text, "incident_summary", "input")).toBe(
      (usage.input_tokens ?? 0) +
        (usage.cache_creation_input_tokens ?? 0) +
        (usage.cache_read_input_tokens ?? 0),
    );
    expect(tokens(text, "incident_summary", "output")).toBe(usage.output_tokens);
  });

  it("equals the final usage chunk of an OpenAI stream, and passes every chunk through", async () => {
    const collector = newCollector();
    const chunks = fixture<Json[]>("openai-chat-stream.json");
    const seen: unknown[] = [];
    await exchange(collector, { operation: "chat", kind: "ai_human", provider: "openai" }, async (ex) => {
      for await (const chunk of ex.stream(replay(chunks))) seen.push(chunk);
      expect(ex.timeToFirstChunkSeconds).toBeGreaterThan(0);
    });
    expect(seen).toEqual(chunks);
    const last = chunks.at(-1)!;
    const text = await collector.export("prometheus");
    expect(tokens(text, "chat", "input")).toBe(last.usage.prompt_tokens);
    expect(tokens(text, "chat", "output")).toBe(last.usage.completion_tokens);
    const bytes = chunks.reduce((total, chunk) => total + Buffer.byteLength(JSON.stringify(chunk)), 0);
    expect(sumOf(text, EXCHANGE_SIZE_METRIC.promName, { operation: "chat", direction: "output" })).toBe(
      bytes,
    );
  });

  it("equals message_start input and the last message_delta output of an Anthropic stream", async () => {
    const collector = newCollector();
    const chunks = fixture<Array<Record<string, unknown>>>("anthropic-message-stream.json");
    await exchange(
      collector,
      { operation: "support_chat", kind: "ai_human", provider: "anthropic" },
      async (ex) => {
        for await (const _chunk of ex.stream(replay(chunks))) {
          // consumed
        }
      },
    );
    const start = chunks[0] as { message: { usage: { input_tokens: number } } };
    const delta = chunks.find((chunk) => chunk.type === "message_delta") as {
      usage: { output_tokens: number };
    };
    const text = await collector.export("prometheus");
    expect(tokens(text, "support_chat", "input")).toBe(start.message.usage.input_tokens);
    expect(tokens(text, "support_chat", "output")).toBe(delta.usage.output_tokens);
  });

  it("counts the request size without keeping the payload", async () => {
    const collector = newCollector();
    const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Résume ce ticket" }] };
    await exchange(collector, { operation: "sized", kind: "ai_ai" }, async (ex) => {
      ex.request(body);
    });
    const text = await collector.export("prometheus");
    expect(sumOf(text, EXCHANGE_SIZE_METRIC.promName, { operation: "sized", direction: "input" })).toBe(
      Buffer.byteLength(JSON.stringify(body)),
    );
  });
});

describe("exchange() outcomes", () => {
  it("marks a response the validator rejects as invalid_response", async () => {
    const collector = newCollector();
    await exchange(
      collector,
      {
        operation: "extract_json",
        kind: "ai_ai",
        validate: (response) => (response as Json).model === "never",
      },
      async (ex) => ex.response(fixture("openai-chat-completion.json")),
    );
    const text = await collector.export("prometheus");
    expect(errors(text, "extract_json", "invalid_response")).toBe(1);
    expect(requests(text, "extract_json", "error")).toBe(1);
  });

  it("marks a detected refusal as unjustified when the policy flag says the request must be answered", async () => {
    const collector = newCollector();
    await exchange(collector, { operation: "must_answer", kind: "ai_human", mustAnswer: true }, async (ex) =>
      ex.response(fixture("anthropic-refusal.json")),
    );
    await exchange(collector, { operation: "may_refuse", kind: "ai_human" }, async (ex) =>
      ex.response(fixture("openai-chat-refusal.json")),
    );
    const text = await collector.export("prometheus");
    expect(errors(text, "must_answer", "unjustified_refusal")).toBe(1);
    expect(requests(text, "may_refuse", "ok")).toBe(1);
    expect(sumOf(text, ERRORS_METRIC.promName, { operation: "may_refuse" })).toBe(0);
  });

  it("lets a caller's classifier or flag decide that a refusal was unjustified", async () => {
    const collector = newCollector();
    await exchange(
      collector,
      { operation: "classified", kind: "ai_human", isUnjustifiedRefusal: () => true },
      async (ex) => ex.response(fixture("openai-chat-completion.json")),
    );
    await exchange(collector, { operation: "flagged", kind: "ai_human" }, async (ex) => {
      ex.refused({ justified: false });
    });
    await exchange(collector, { operation: "justified", kind: "ai_human" }, async (ex) => {
      ex.refused({ justified: true });
    });
    const text = await collector.export("prometheus");
    expect(errors(text, "classified", "unjustified_refusal")).toBe(1);
    expect(errors(text, "flagged", "unjustified_refusal")).toBe(1);
    expect(requests(text, "justified", "ok")).toBe(1);
  });

  it("classifies a failure after the deadline as timeout and rethrows it", async () => {
    const collector = newCollector();
    const failure = exchange(
      collector,
      { operation: "slow_model", kind: "ai_ai", timeoutMs: 20 },
      async (ex) => {
        await new Promise((_resolve, reject) =>
          ex.signal?.addEventListener("abort", () => reject(ex.signal?.reason)),
        );
      },
    );
    await expect(failure).rejects.toMatchObject({ name: "TimeoutError" });
    const text = await collector.export("prometheus");
    expect(errors(text, "slow_model", "timeout")).toBe(1);
    expect(errors(text, "slow_model", "crash")).toBe(0);
  });

  it("classifies an SDK error with status 429 as rate_limited", async () => {
    const collector = newCollector();
    const error = Object.assign(new Error("Rate limit reached"), { status: 429 });
    await expect(
      exchange(collector, { operation: "busy_model", kind: "ai_ai" }, async () => {
        throw error;
      }),
    ).rejects.toBe(error);
    const text = await collector.export("prometheus");
    expect(errors(text, "busy_model", "rate_limited")).toBe(1);
  });

  it("records any other throw as a crash, counted once", async () => {
    const collector = newCollector();
    await expect(
      exchange(collector, { operation: "broken", kind: "ai_ai" }, async () => {
        throw new RangeError("bad");
      }),
    ).rejects.toBeInstanceOf(RangeError);
    const text = await collector.export("prometheus");
    expect(errors(text, "broken", "crash")).toBe(1);
    expect(requests(text, "broken", "error")).toBe(1);
  });

  it("lets the caller set the outcome explicitly", async () => {
    const collector = newCollector();
    await exchange(collector, { operation: "manual", kind: "ai_ai" }, async (ex) => {
      ex.fail("rate_limited");
      expect(ex.outcome).toBe("rate_limited");
    });
    expect(errors(await collector.export("prometheus"), "manual", "rate_limited")).toBe(1);
  });
});

describe("exchange() GenAI semantic-convention metrics", () => {
  it("emits v1.36 duration and token usage with the advised buckets", async () => {
    const collector = newCollector();
    const response = fixture("openai-chat-completion.json");
    await exchange(
      collector,
      { operation: "summarize", kind: "ai_human", provider: "openai", model: "gpt-4o-mini" },
      async (ex) => ex.response(response),
    );
    const snapshot = await collector.collect();
    const duration = histogram(snapshot, GEN_AI_METRIC_NAMES.operationDuration);
    expect(duration?.descriptor.unit).toBe("s");
    const point = duration?.dataPoints[0];
    expect(point?.value.buckets.boundaries).toEqual(GEN_AI_DURATION_BOUNDS_SECONDS);
    expect(point?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": response.model,
    });
    const usage = histogram(snapshot, GEN_AI_METRIC_NAMES.tokenUsage);
    expect(usage?.descriptor.unit).toBe("{token}");
    const byType = Object.fromEntries(
      (usage?.dataPoints ?? []).map((p) => [p.attributes["gen_ai.token.type"], p.value.sum]),
    );
    expect(byType).toEqual({ input: response.usage.prompt_tokens, output: response.usage.completion_tokens });
    expect(usage?.dataPoints[0]?.value.buckets.boundaries).toEqual(GEN_AI_TOKEN_BOUNDS);
    expect(histogram(snapshot, GEN_AI_METRIC_NAMES.timeToFirstChunk)).toBeUndefined();
  });

  it("switches to the newer names behind OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental", async () => {
    process.env.OTEL_SEMCONV_STABILITY_OPT_IN = "http, gen_ai_latest_experimental";
    const collector = newCollector();
    await exchange(collector, { operation: "chat", kind: "ai_human", provider: "anthropic" }, async (ex) => {
      for await (const _chunk of ex.stream(replay(fixture<unknown[]>("anthropic-message-stream.json")))) {
        // consumed
      }
    });
    const snapshot = await collector.collect();
    const attributes = histogram(snapshot, GEN_AI_METRIC_NAMES.operationDuration)?.dataPoints[0]?.attributes;
    expect(attributes?.["gen_ai.provider.name"]).toBe("anthropic");
    expect(attributes?.["gen_ai.system"]).toBeUndefined();
    expect(histogram(snapshot, GEN_AI_METRIC_NAMES.timeToFirstChunk)?.dataPoints[0]?.value.count).toBe(1);
  });

  it("adds error.type to the duration of a failed exchange", async () => {
    const collector = newCollector();
    await exchange(collector, { operation: "bad", kind: "ai_ai", provider: "openai" }, async (ex) => {
      ex.fail("invalid_response");
    });
    const snapshot = await collector.collect();
    const point = histogram(snapshot, GEN_AI_METRIC_NAMES.operationDuration)?.dataPoints[0];
    expect(point?.attributes["error.type"]).toBe("invalid_response");
  });
});
