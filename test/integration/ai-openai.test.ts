import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentFetch } from "../../src/instrument/instrument-fetch.js";
import { type AiTestBed, ai, startAiTestBed } from "../fixtures/ai/ai-test-kit.js";
import { sseBytes } from "../fixtures/ai/fake-provider.js";
import {
  chatCompletion,
  chatStream,
  embeddings,
  FIRST_TEXT_DELAY_MS,
  json,
  rateLimited,
  responseObject,
  responseStream,
  serverError,
  sse,
  truncatedJson,
} from "../fixtures/ai/provider-replies.js";

// The real `openai` 6 SDK against a fake OpenAI API on 127.0.0.1 (test/fixtures/ai/fake-provider.ts):
// what /metrics shows must equal what the fake server reported.

let bed: AiTestBed;
beforeEach(async () => {
  bed = await startAiTestBed();
});
afterEach(async () => {
  await bed.stop();
});

function newClient(options: ConstructorParameters<typeof OpenAI>[0] = {}): OpenAI {
  return new OpenAI({ apiKey: "sk-test", baseURL: `${bed.provider.url}/v1`, maxRetries: 0, ...options });
}

const CHAT = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Find flights to Oslo" }] };
const OPERATION = "chat gpt-4o-mini";

describe("collector.instrument(openai): tokens equal what the provider reported", () => {
  it("counts a chat completion's input, cached and output tokens, its sizes and its model", async () => {
    const body = chatCompletion({ usage: { input: 1117, output: 46, cached: 1024 } });
    bed.provider.reply(json(body));
    const client = bed.test.collector.instrument(newClient());
    const completion = await client.chat.completions.create(CHAT);
    expect(completion.choices[0]?.message.content).toBe("The agent found three flights.");
    expect(completion._request_id).toBeNull();

    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    expect(ai.requests(text, { operation: OPERATION, exchange: "ai_human", outcome: "ok" })).toBe(1);
    expect(ai.tokens(text, { operation: OPERATION, direction: "input" })).toBe(1117);
    expect(ai.tokens(text, { operation: OPERATION, direction: "output" })).toBe(46);
    expect(ai.cached(text, { operation: OPERATION })).toBe(1024);
    expect(ai.attempts(text, { operation: OPERATION })).toBe(1);
    expect(ai.bytes(text, { operation: OPERATION, direction: "input" })).toBe(
      Buffer.byteLength(bed.provider.requests[0]!.rawBody),
    );
    expect(ai.bytes(text, { operation: OPERATION, direction: "output" })).toBe(
      Buffer.byteLength(JSON.stringify(body)),
    );
    const byModel = { gen_ai_request_model: "gpt-4o-mini", gen_ai_response_model: "gpt-4o-mini-2024-07-18" };
    expect(ai.genAiTokens(text, "input", byModel)).toBe(1117);
    expect(ai.genAiTokens(text, "output", byModel)).toBe(46);
    expect(ai.refusals(text)).toBe(0);
    expect(ai.ttftCount(text)).toBe(0);
  });

  it("counts a chat stream's usage chunk, its SSE bytes, and times the first token, not the first chunk", async () => {
    const events = chatStream({ usage: { input: 320, output: 6, cached: 256 } });
    bed.provider.reply(sse(events));
    const client = bed.test.collector.instrument(newClient());
    const stream = await client.chat.completions.create({
      ...CHAT,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = "";
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? "";
    expect(content).toBe("The agent found three flights.");

    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    expect(ai.tokens(text, { operation: OPERATION, direction: "input" })).toBe(320);
    expect(ai.tokens(text, { operation: OPERATION, direction: "output" })).toBe(6);
    expect(ai.cached(text, { operation: OPERATION })).toBe(256);
    expect(ai.bytes(text, { operation: OPERATION, direction: "output" })).toBe(sseBytes(events));
    expect(ai.ttftCount(text, { operation: OPERATION, exchange: "ai_human" })).toBe(1);
    expect(ai.ttftSum(text, { operation: OPERATION })).toBeGreaterThanOrEqual(FIRST_TEXT_DELAY_MS / 1000);
    const span = bed.spans().find((s) => s.name === OPERATION)!;
    const firstChunk = span.attributes["gen_ai.response.time_to_first_chunk"] as number;
    const firstToken = span.attributes["zoran.time_to_first_token"] as number;
    // The role-only chunk came at once, the first text 150 ms later (the fake's pacing): timed to
    // the first event, the time to first token would be a few milliseconds.
    expect(firstToken).toBeGreaterThanOrEqual(FIRST_TEXT_DELAY_MS / 1000);
    expect(firstChunk).toBeLessThan(firstToken);
  });

  it("times the first tool-call delta as the first token", async () => {
    bed.provider.reply(sse(chatStream({ usage: { input: 40, output: 12 }, toolCall: true })));
    const client = bed.test.collector.instrument(newClient());
    const stream = await client.chat.completions.create({
      ...CHAT,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _chunk of stream) {
      // consumed
    }
    const text = await bed.metricsWhen((t) => ai.ttftCount(t) === 1);
    expect(ai.ttftSum(text)).toBeGreaterThanOrEqual(FIRST_TEXT_DELAY_MS / 1000);
    expect(ai.tokens(text, { direction: "output" })).toBe(12);
  });

  it("says once that a stream without include_usage has no tokens, and can ask for them", async () => {
    bed.provider.reply(sse(chatStream({})), sse(chatStream({})));
    const plain = bed.test.collector.instrument(newClient());
    for (let i = 0; i < 2; i++) {
      for await (const _chunk of await plain.chat.completions.create({ ...CHAT, stream: true })) {
        // consumed
      }
    }
    let text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 2);
    expect(ai.tokens(text, { direction: "input" })).toBe(0);
    expect(bed.warnings.filter((w) => w.includes("include_usage"))).toHaveLength(1);

    bed.provider.reply(sse(chatStream({ usage: { input: 21, output: 6 } })));
    const asking = bed.test.collector.instrument(newClient(), { requestStreamUsage: true });
    for await (const _chunk of await asking.chat.completions.create({ ...CHAT, stream: true })) {
      // consumed
    }
    expect(bed.provider.requests[2]!.body?.stream_options).toEqual({ include_usage: true });
    text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 3);
    expect(ai.tokens(text, { direction: "input" })).toBe(21);
  });

  it("observes the chat stream helper (.stream()) through the same client", async () => {
    bed.provider.reply(sse(chatStream({ usage: { input: 77, output: 6 } })));
    const client = bed.test.collector.instrument(newClient());
    const runner = client.chat.completions.stream({ ...CHAT, stream_options: { include_usage: true } });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("The agent found three flights.");
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    expect(ai.tokens(text, { direction: "input" })).toBe(77);
    expect(ai.ttftCount(text)).toBe(1);
  });

  it("counts a Responses object and a Responses stream", async () => {
    bed.provider.reply(
      json(responseObject({ usage: { input: 36, output: 87, cached: 12 } })),
      sse(responseStream({ usage: { input: 50, output: 6 } })),
    );
    const client = bed.test.collector.instrument(newClient());
    const response = await client.responses.create({ model: "gpt-4.1", input: "Find flights" });
    expect(response.output_text).toBe("The agent found three flights.");
    const stream = await client.responses.create({ model: "gpt-4.1", input: "Find flights", stream: true });
    for await (const _event of stream) {
      // consumed
    }
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: "chat gpt-4.1" }) === 2);
    expect(ai.tokens(text, { operation: "chat gpt-4.1", direction: "input" })).toBe(36 + 50);
    expect(ai.tokens(text, { operation: "chat gpt-4.1", direction: "output" })).toBe(87 + 6);
    expect(ai.cached(text, { operation: "chat gpt-4.1" })).toBe(12);
    expect(ai.ttftCount(text, { operation: "chat gpt-4.1" })).toBe(1);
    expect(ai.ttftSum(text, { operation: "chat gpt-4.1" })).toBeGreaterThanOrEqual(
      FIRST_TEXT_DELAY_MS / 1000,
    );
  });

  it("observes the Responses stream helper (.stream())", async () => {
    bed.provider.reply(sse(responseStream({ usage: { input: 9, output: 6 } })));
    const client = bed.test.collector.instrument(newClient());
    const final = await client.responses.stream({ model: "gpt-4.1", input: "Find flights" }).finalResponse();
    expect(final.output_text).toBe("The agent found three flights.");
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: "chat gpt-4.1" }) === 1);
    expect(ai.tokens(text, { direction: "output" })).toBe(6);
    expect(ai.ttftCount(text)).toBe(1);
  });

  it("counts embeddings as input tokens under the embeddings operation", async () => {
    bed.provider.reply(json(embeddings({ inputTokens: 8, count: 2 })));
    const client = bed.test.collector.instrument(newClient());
    const result = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"] });
    expect(result.data).toHaveLength(2);
    const operation = "embeddings text-embedding-3-small";
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation }) === 1);
    expect(ai.tokens(text, { operation, direction: "input" })).toBe(8);
    expect(ai.tokens(text, { operation, direction: "output" })).toBe(0);
    expect(ai.genAiDurations(text, { gen_ai_operation_name: "embeddings" })).toHaveLength(1);
  });
});

describe("collector.instrument(openai): refusals", () => {
  it("counts message.refusal, content_filter and Responses refusal parts, as no error by default", async () => {
    bed.provider.reply(
      json(chatCompletion({ usage: { input: 10, output: 5 }, refusal: true })),
      json(chatCompletion({ usage: { input: 10, output: 0 }, finishReason: "content_filter" })),
      json(responseObject({ usage: { input: 10, output: 5 }, refusal: true })),
      sse(chatStream({ usage: { input: 10, output: 5 }, refusal: true })),
      sse(responseStream({ usage: { input: 10, output: 5 }, refusal: true })),
    );
    const client = bed.test.collector.instrument(newClient());
    await client.chat.completions.create(CHAT);
    await client.chat.completions.create(CHAT);
    await client.responses.create({ model: "gpt-4.1", input: "x" });
    for await (const _ of await client.chat.completions.create({
      ...CHAT,
      stream: true,
      stream_options: { include_usage: true },
    })) {
      // consumed
    }
    for await (const _ of await client.responses.create({ model: "gpt-4.1", input: "x", stream: true })) {
      // consumed
    }
    const text = await bed.metricsWhen((t) => ai.refusals(t) === 5);
    expect(ai.refusals(text, { operation: OPERATION, exchange: "ai_human" })).toBe(3);
    expect(ai.refusals(text, { operation: "chat gpt-4.1" })).toBe(2);
    expect(ai.errors(text, {})).toBe(0);
    // The refusal's delta is text of the model: it is the first token.
    expect(ai.ttftCount(text)).toBe(2);
  });

  it("makes a refusal an unjustified_refusal under a must-answer policy", async () => {
    bed.provider.reply(json(chatCompletion({ usage: { input: 10, output: 5 }, refusal: true })));
    const client = bed.test.collector.instrument(newClient(), { mustAnswer: true, kind: "ai_ai" });
    await client.chat.completions.create(CHAT);
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.refusals(text, { exchange: "ai_ai" })).toBe(1);
    expect(ai.errors(text, { error_type: "unjustified_refusal", exchange: "ai_ai" })).toBe(1);
    expect(ai.requests(text, { outcome: "error" })).toBe(1);
  });
});

describe("collector.instrument(openai): error types", () => {
  async function failure(reply: Parameters<AiTestBed["provider"]["reply"]>, options = {}) {
    bed.provider.reply(...reply);
    const client = bed.test.collector.instrument(newClient(options));
    const error = await client.chat.completions.create(CHAT).then(
      () => undefined,
      (e: unknown) => e,
    );
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    return { error, text };
  }

  it("429 is rate_limited, and the SDK's own error reaches the caller", async () => {
    const { error, text } = await failure([rateLimited()]);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(ai.errors(text, { operation: OPERATION, error_type: "rate_limited" })).toBe(1);
  });

  it("a provider 500 is provider_error, not crash", async () => {
    const { error, text } = await failure([serverError(500)]);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(ai.errors(text, { error_type: "provider_error" })).toBe(1);
    expect(ai.errors(text, { error_type: "crash" })).toBe(0);
  });

  it("a cut connection is provider_error", async () => {
    const { error, text } = await failure([{ kind: "cut" }]);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(ai.errors(text, { error_type: "provider_error" })).toBe(1);
  });

  it("the SDK's own timeout is timeout", async () => {
    const { error, text } = await failure([{ kind: "hang" }], { timeout: 100 });
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(ai.errors(text, { error_type: "timeout" })).toBe(1);
  });

  it("truncated JSON is invalid_response", async () => {
    const { error, text } = await failure([
      truncatedJson(chatCompletion({ usage: { input: 1, output: 1 } })),
    ]);
    expect(error).toBeInstanceOf(SyntaxError);
    expect(ai.errors(text, { error_type: "invalid_response" })).toBe(1);
  });

  it("a body cut short is provider_error", async () => {
    const { text } = await failure([{ kind: "cut-body", body: '{"id":"chatcmpl-1","choices":[' }]);
    expect(ai.errors(text, { error_type: "provider_error" })).toBe(1);
  });

  it("a 200 without choices is invalid_response, and is returned as it is", async () => {
    bed.provider.reply(json({ id: "x", object: "chat.completion", model: "gpt-4o-mini" }));
    const client = bed.test.collector.instrument(newClient());
    const result = await client.chat.completions.create(CHAT);
    expect(result).toMatchObject({ id: "x" });
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.errors(text, { error_type: "invalid_response" })).toBe(1);
  });

  it("a stream cut mid-way is provider_error", async () => {
    bed.provider.reply(sse(chatStream({ usage: { input: 1, output: 1 } }), 3));
    const client = bed.test.collector.instrument(newClient());
    const stream = await client.chat.completions.create({ ...CHAT, stream: true });
    await expect(
      (async () => {
        for await (const _ of stream) {
          // consumed until the cut
        }
      })(),
    ).rejects.toThrow();
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.errors(text, { error_type: "provider_error" })).toBe(1);
    expect(ai.ttftCount(text)).toBe(1);
  });

  it("counts SDK retries as one request and every attempt apart", async () => {
    bed.provider.reply(
      rateLimited(),
      serverError(503),
      json(chatCompletion({ usage: { input: 5, output: 2 } })),
    );
    const client = bed.test.collector.instrument(newClient({ maxRetries: 2 }));
    await client.chat.completions.create(CHAT);
    expect(bed.provider.requests).toHaveLength(3);
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.requests(text, { operation: OPERATION, outcome: "ok" })).toBe(1);
    expect(ai.attempts(text, { operation: OPERATION })).toBe(3);
    expect(ai.errors(text, {})).toBe(0);
    expect(ai.tokens(text, { direction: "input" })).toBe(5);
    const span = bed.spans().find((s) => s.name === OPERATION)!;
    expect(span.attributes["http.request.resend_count"]).toBe(2);
  });

  it("an exception of the caller's code inside an exchange is a crash", async () => {
    bed.provider.reply(json(chatCompletion({ usage: { input: 5, output: 2 } })));
    const client = bed.test.collector.instrument(newClient());
    await expect(
      bed.test.collector.exchange({ operation: "plan_trip", kind: "ai_human" }, async () => {
        const completion = await client.chat.completions.create(CHAT);
        return (completion as unknown as { nothing: { here: string } }).nothing.here;
      }),
    ).rejects.toBeInstanceOf(TypeError);
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.errors(text, { operation: "plan_trip", error_type: "crash" })).toBe(1);
    expect(ai.tokens(text, { operation: "plan_trip", direction: "input" })).toBe(5);
  });
});

describe("collector.instrument(openai): one exchange where the paths meet (outermost wins)", () => {
  it("exchange() around an instrumented client counts one request, its tokens once", async () => {
    bed.provider.reply(json(chatCompletion({ usage: { input: 30, output: 4 } })));
    const client = bed.test.collector.instrument(newClient());
    await bed.test.collector.exchange({ operation: "answer_customer", kind: "ai_human" }, async (ex) =>
      ex.response(await client.chat.completions.create(ex.request(CHAT))),
    );
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.requests(text, {})).toBe(1);
    expect(ai.requests(text, { operation: "answer_customer" })).toBe(1);
    expect(ai.tokens(text, { operation: "answer_customer", direction: "input" })).toBe(30);
    expect(ai.tokens(text, { direction: "input" })).toBe(30);
    expect(ai.attempts(text, { operation: "answer_customer" })).toBe(1);
  });

  it("instrumentFetch under an instrumented client (and under exchange()) counts no request of its own", async () => {
    bed.provider.reply(
      json(chatCompletion({ usage: { input: 30, output: 4 } })),
      json(chatCompletion({ usage: { input: 31, output: 4 } })),
    );
    const fetch = instrumentFetch(bed.test.collector, { exchange: "ai_human" });
    const client = bed.test.collector.instrument(newClient({ fetch }));
    await client.chat.completions.create(CHAT);
    const plain = newClient({ fetch });
    await bed.test.collector.exchange({ operation: "manual", kind: "ai_human" }, async (ex) =>
      ex.response(await plain.chat.completions.create(CHAT)),
    );
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 2);
    expect(ai.requests(text, {})).toBe(2);
    expect(ai.requests(text, { operation: OPERATION })).toBe(1);
    expect(ai.requests(text, { operation: "manual" })).toBe(1);
    expect(ai.tokens(text, { direction: "input" })).toBe(61);
    // The HTTP spans are still there, children of the exchanges.
    expect(bed.spans().filter((s) => s.name.startsWith("POST ")).length).toBe(2);
  });

  it("is idempotent and leaves other clients untouched", async () => {
    bed.provider.reply(
      json(chatCompletion({ usage: { input: 1, output: 1 } })),
      json(chatCompletion({ usage: { input: 1, output: 1 } })),
    );
    const client = newClient();
    expect(bed.test.collector.instrument(bed.test.collector.instrument(client))).toBe(client);
    await client.chat.completions.create(CHAT);
    await newClient().chat.completions.create(CHAT);
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.requests(text, {})).toBe(1);
    expect(ai.attempts(text, {})).toBe(1);
  });

  it("keeps withResponse() and asResponse() working", async () => {
    const body = chatCompletion({ usage: { input: 3, output: 2 } });
    bed.provider.reply(json(body), json(body));
    const client = bed.test.collector.instrument(newClient());
    const { data, response } = await client.chat.completions.create(CHAT).withResponse();
    expect(data.usage?.prompt_tokens).toBe(3);
    expect(response.status).toBe(200);
    const raw = await client.chat.completions.create(CHAT).asResponse();
    expect(await raw.json()).toEqual(body);
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 2);
    expect(ai.requests(text, { outcome: "ok" })).toBe(2);
    // The raw read has no parsed usage: only the first call's tokens.
    expect(ai.tokens(text, { direction: "input" })).toBe(3);
  });
});
