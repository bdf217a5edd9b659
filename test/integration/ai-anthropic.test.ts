import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AiTestBed, ai, startAiTestBed } from "../fixtures/ai/ai-test-kit.js";
import { sseBytes } from "../fixtures/ai/fake-provider.js";
import {
  anthropicMessage,
  anthropicStream,
  FIRST_TEXT_DELAY_MS,
  json,
  rateLimited,
  serverError,
  sse,
  truncatedJson,
} from "../fixtures/ai/provider-replies.js";

// The real `@anthropic-ai/sdk` 1.x against a fake Anthropic API on 127.0.0.1.

let bed: AiTestBed;
beforeEach(async () => {
  bed = await startAiTestBed();
});
afterEach(async () => {
  await bed.stop();
});

function newClient(options: ConstructorParameters<typeof Anthropic>[0] = {}): Anthropic {
  return new Anthropic({ apiKey: "sk-ant-test", baseURL: bed.provider.url, maxRetries: 0, ...options });
}

const MODEL = "claude-sonnet-4-5";
const OPERATION = `chat ${MODEL}`;
const MESSAGE = {
  model: MODEL,
  max_tokens: 256,
  messages: [{ role: "user" as const, content: "Find flights" }],
};
const USAGE = { input: 12, cacheCreation: 100, cached: 360, output: 89 };

describe("collector.instrument(anthropic): tokens equal what the provider reported", () => {
  it("counts a message's input (cache writes and reads included), cached reads and output", async () => {
    const body = anthropicMessage({ usage: USAGE });
    bed.provider.reply(json(body));
    const client = bed.test.collector.instrument(newClient());
    const message = await client.messages.create(MESSAGE);
    expect(message.content[0]).toMatchObject({ type: "text", text: "The agent found three flights." });
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    expect(ai.tokens(text, { operation: OPERATION, direction: "input" })).toBe(12 + 100 + 360);
    expect(ai.tokens(text, { operation: OPERATION, direction: "output" })).toBe(89);
    expect(ai.cached(text, { operation: OPERATION })).toBe(360);
    expect(ai.bytes(text, { operation: OPERATION, direction: "output" })).toBe(
      Buffer.byteLength(JSON.stringify(body)),
    );
    expect(ai.genAiTokens(text, "input", { gen_ai_system: "anthropic", gen_ai_request_model: MODEL })).toBe(
      472,
    );
  });

  it("counts a stream: message_start input, the last message_delta output, SSE bytes, first text timed", async () => {
    const events = anthropicStream({ usage: USAGE });
    bed.provider.reply(sse(events));
    const client = bed.test.collector.instrument(newClient());
    const stream = await client.messages.create({ ...MESSAGE, stream: true });
    let content = "";
    for await (const event of stream)
      if (event.type === "content_block_delta" && event.delta.type === "text_delta")
        content += event.delta.text;
    expect(content).toBe("The agent found three flights.");
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    expect(ai.tokens(text, { direction: "input" })).toBe(472);
    expect(ai.tokens(text, { direction: "output" })).toBe(89);
    expect(ai.bytes(text, { direction: "output" })).toBe(sseBytes(events));
    expect(ai.ttftCount(text, { operation: OPERATION })).toBe(1);
    expect(ai.ttftSum(text)).toBeGreaterThanOrEqual(FIRST_TEXT_DELAY_MS / 1000);
  });

  it("observes the .stream() helper through the same client, tool use timed as the first token", async () => {
    bed.provider.reply(
      sse(anthropicStream({ usage: USAGE })),
      sse(anthropicStream({ usage: USAGE, toolUse: true })),
    );
    const client = bed.test.collector.instrument(newClient());
    const final = await client.messages.stream(MESSAGE).finalMessage();
    expect(final.usage.output_tokens).toBe(89);
    const tool = await client.messages.stream(MESSAGE).finalMessage();
    expect(tool.stop_reason).toBe("tool_use");
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 2);
    expect(ai.tokens(text, { direction: "output" })).toBe(178);
    expect(ai.ttftCount(text)).toBe(2);
    expect(ai.ttftSum(text)).toBeGreaterThanOrEqual((2 * FIRST_TEXT_DELAY_MS) / 1000);
  });
});

describe("collector.instrument(anthropic): refusals and errors", () => {
  it("counts stop_reason refusal, plain and streamed; an error only under mustAnswer", async () => {
    bed.provider.reply(
      json(anthropicMessage({ usage: USAGE, stopReason: "refusal" })),
      sse(anthropicStream({ usage: USAGE, stopReason: "refusal" })),
      json(anthropicMessage({ usage: USAGE, stopReason: "refusal" })),
    );
    const client = bed.test.collector.instrument(newClient());
    await client.messages.create(MESSAGE);
    for await (const _ of await client.messages.create({ ...MESSAGE, stream: true })) {
      // consumed
    }
    const strict = bed.test.collector.instrument(newClient(), { mustAnswer: true, operation: "must_answer" });
    await strict.messages.create(MESSAGE);
    const text = await bed.metricsWhen((t) => ai.refusals(t) === 3);
    expect(ai.refusals(text, { operation: OPERATION })).toBe(2);
    expect(ai.errors(text, { operation: OPERATION })).toBe(0);
    expect(ai.errors(text, { operation: "must_answer", error_type: "unjustified_refusal" })).toBe(1);
  });

  it("types 429, 529 overloaded, timeouts, truncated JSON and cut connections", async () => {
    bed.provider.reply(
      rateLimited(),
      serverError(529),
      { kind: "hang" },
      truncatedJson(anthropicMessage({ usage: USAGE })),
      { kind: "cut" },
    );
    const client = bed.test.collector.instrument(newClient({ timeout: 100 }));
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) errors.push(await client.messages.create(MESSAGE).catch((e: unknown) => e));
    expect(errors[0]).toBeInstanceOf(Anthropic.RateLimitError);
    expect(errors[2]).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 5);
    for (const type of ["rate_limited", "provider_error", "timeout", "invalid_response"])
      expect(ai.errors(text, { operation: OPERATION, error_type: type })).toBeGreaterThanOrEqual(1);
    expect(ai.errors(text, { error_type: "provider_error" })).toBe(2);
    expect(ai.errors(text, { error_type: "crash" })).toBe(0);
  });

  it("types an overloaded_error event in a stream as provider_error", async () => {
    const events = anthropicStream({ usage: USAGE }).slice(0, 3);
    events.push({
      event: "error",
      data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
    });
    bed.provider.reply(sse(events));
    const client = bed.test.collector.instrument(newClient());
    const stream = await client.messages.create({ ...MESSAGE, stream: true });
    await expect(
      (async () => {
        for await (const _ of stream) {
          // consumed until the error event
        }
      })(),
    ).rejects.toThrow();
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.errors(text, { error_type: "provider_error" })).toBe(1);
  });

  it("counts SDK retries as one request, attempts apart", async () => {
    bed.provider.reply(serverError(529), rateLimited(), json(anthropicMessage({ usage: USAGE })));
    const client = bed.test.collector.instrument(newClient({ maxRetries: 3 }));
    await client.messages.create(MESSAGE);
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.requests(text, { outcome: "ok" })).toBe(1);
    expect(ai.attempts(text, { operation: OPERATION })).toBe(3);
    expect(ai.tokens(text, { direction: "output" })).toBe(89);
  });
});
