import { createOpenAI } from "@ai-sdk/openai";
import { APICallError, generateText, RetryError, streamText, wrapLanguageModel } from "ai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { aiSdkMiddleware } from "../../src/instrument/ai/ai-sdk-middleware.js";
import { instrumentFetch } from "../../src/instrument/instrument-fetch.js";
import { type AiTestBed, ai, startAiTestBed } from "../fixtures/ai/ai-test-kit.js";
import {
  chatCompletion,
  chatStream,
  FIRST_TEXT_DELAY_MS,
  json,
  rateLimited,
  responseObject,
  responseStream,
  serverError,
  sse,
  truncatedJson,
} from "../fixtures/ai/provider-replies.js";

// The real Vercel AI SDK (`ai` 6 + `@ai-sdk/openai` 3) against a fake OpenAI API on 127.0.0.1,
// with `aiSdkMiddleware(collector)` in `wrapLanguageModel`.

let bed: AiTestBed;
beforeEach(async () => {
  bed = await startAiTestBed();
});
afterEach(async () => {
  await bed.stop();
});

function provider(fetch?: typeof globalThis.fetch) {
  return createOpenAI({ apiKey: "sk-test", baseURL: `${bed.provider.url}/v1`, ...(fetch ? { fetch } : {}) });
}

function chatModel(options: Parameters<typeof aiSdkMiddleware>[1] = {}) {
  return wrapLanguageModel({
    model: provider().chat("gpt-4o-mini"),
    middleware: aiSdkMiddleware(bed.test.collector, options),
  });
}

const OPERATION = "chat gpt-4o-mini";

describe("aiSdkMiddleware: tokens equal what the provider reported", () => {
  it("counts generateText's input, cached and output tokens by model", async () => {
    bed.provider.reply(json(chatCompletion({ usage: { input: 1117, output: 46, cached: 1024 } })));
    const result = await generateText({ model: chatModel(), prompt: "Find flights", maxRetries: 0 });
    expect(result.text).toBe("The agent found three flights.");
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    expect(ai.requests(text, { operation: OPERATION, exchange: "ai_human", outcome: "ok" })).toBe(1);
    expect(ai.tokens(text, { operation: OPERATION, direction: "input" })).toBe(1117);
    expect(ai.tokens(text, { operation: OPERATION, direction: "output" })).toBe(46);
    expect(ai.cached(text, { operation: OPERATION })).toBe(1024);
    expect(
      ai.genAiTokens(text, "output", {
        gen_ai_system: "openai",
        gen_ai_request_model: "gpt-4o-mini",
        gen_ai_response_model: "gpt-4o-mini-2024-07-18",
      }),
    ).toBe(46);
    // The output size is the provider's body, never the JSON of the whole result (prompt included).
    expect(ai.bytes(text, { direction: "output" })).toBe(
      Buffer.byteLength(JSON.stringify(chatCompletion({ usage: { input: 1117, output: 46, cached: 1024 } }))),
    );
  });

  it("counts streamText's usage and times its first text delta", async () => {
    bed.provider.reply(sse(chatStream({ usage: { input: 320, output: 6 } })));
    const result = streamText({ model: chatModel(), prompt: "Find flights", maxRetries: 0 });
    let content = "";
    for await (const delta of result.textStream) content += delta;
    expect(content).toBe("The agent found three flights.");
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    expect(ai.tokens(text, { direction: "input" })).toBe(320);
    expect(ai.tokens(text, { direction: "output" })).toBe(6);
    expect(ai.ttftCount(text, { operation: OPERATION })).toBe(1);
    expect(ai.ttftSum(text)).toBeGreaterThanOrEqual(FIRST_TEXT_DELAY_MS / 1000);
  });

  it("counts the Responses model plain and streamed", async () => {
    bed.provider.reply(
      json(responseObject({ usage: { input: 36, output: 87, cached: 12 } })),
      sse(responseStream({ usage: { input: 50, output: 6 } })),
    );
    const model = wrapLanguageModel({
      model: provider()("gpt-4.1"),
      middleware: aiSdkMiddleware(bed.test.collector),
    });
    await generateText({ model, prompt: "Find flights", maxRetries: 0 });
    const stream = streamText({ model, prompt: "Find flights", maxRetries: 0 });
    await stream.consumeStream();
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: "chat gpt-4.1" }) === 2);
    expect(ai.tokens(text, { direction: "input" })).toBe(86);
    expect(ai.tokens(text, { direction: "output" })).toBe(93);
    expect(ai.ttftCount(text)).toBe(1);
  });
});

describe("aiSdkMiddleware: refusals, errors, retries", () => {
  it("counts content-filter and message.refusal as refusals, errors only under mustAnswer", async () => {
    bed.provider.reply(
      json(chatCompletion({ usage: { input: 5, output: 0 }, finishReason: "content_filter" })),
      json(chatCompletion({ usage: { input: 5, output: 5 }, refusal: true })),
      sse(chatStream({ usage: { input: 5, output: 0 }, finishReason: "content_filter" })),
      json(chatCompletion({ usage: { input: 5, output: 5 }, refusal: true })),
    );
    const model = chatModel();
    await generateText({ model, prompt: "x", maxRetries: 0 });
    await generateText({ model, prompt: "x", maxRetries: 0 });
    await streamText({ model, prompt: "x", maxRetries: 0 }).consumeStream();
    await generateText({
      model: chatModel({ mustAnswer: true, operation: "strict" }),
      prompt: "x",
      maxRetries: 0,
    });
    const text = await bed.metricsWhen((t) => ai.refusals(t) === 4);
    expect(ai.refusals(text, { operation: OPERATION })).toBe(3);
    expect(ai.errors(text, { operation: OPERATION })).toBe(0);
    expect(ai.errors(text, { operation: "strict", error_type: "unjustified_refusal" })).toBe(1);
  });

  it("counts the AI SDK's retries as one request with every attempt apart", async () => {
    bed.provider.reply(
      rateLimited(),
      serverError(500),
      json(chatCompletion({ usage: { input: 7, output: 2 } })),
    );
    await generateText({ model: chatModel(), prompt: "Find flights", maxRetries: 2 });
    expect(bed.provider.requests).toHaveLength(3);
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.requests(text, { operation: OPERATION, outcome: "ok" })).toBe(1);
    expect(ai.attempts(text, { operation: OPERATION })).toBe(3);
    expect(ai.errors(text, {})).toBe(0);
  });

  it("types a 429 that exhausts the retries as one rate_limited request", async () => {
    bed.provider.reply(rateLimited(), rateLimited());
    const error = await generateText({ model: chatModel(), prompt: "x", maxRetries: 1 }).catch(
      (e: unknown) => e,
    );
    expect(RetryError.isInstance(error)).toBe(true);
    // The last failed attempt is held for the SDK's retry delay (5 ms here) plus a grace period.
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.requests(text, { outcome: "error" })).toBe(1);
    expect(ai.errors(text, { error_type: "rate_limited" })).toBe(1);
    expect(ai.attempts(text, {})).toBe(2);
  });

  it("types a 500 as provider_error, truncated JSON as invalid_response, a timeout as timeout", async () => {
    bed.provider.reply(serverError(500), truncatedJson(chatCompletion({ usage: { input: 1, output: 1 } })), {
      kind: "hang",
    });
    const model = chatModel();
    const failures = [
      await generateText({ model, prompt: "a", maxRetries: 0 }).catch((e: unknown) => e),
      await generateText({ model, prompt: "b", maxRetries: 0 }).catch((e: unknown) => e),
      await generateText({ model, prompt: "c", maxRetries: 0, timeout: 100 }).catch((e: unknown) => e),
    ];
    expect(APICallError.isInstance(failures[0])).toBe(true);
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 3);
    expect(ai.errors(text, { error_type: "provider_error" })).toBe(1);
    expect(ai.errors(text, { error_type: "invalid_response" })).toBe(1);
    expect(ai.errors(text, { error_type: "timeout" })).toBe(1);
    expect(ai.errors(text, { error_type: "crash" })).toBe(0);
  });

  it("makes instrumentFetch under the AI SDK count no request of its own", async () => {
    bed.provider.reply(json(chatCompletion({ usage: { input: 3, output: 2 } })));
    const model = wrapLanguageModel({
      model: provider(instrumentFetch(bed.test.collector)).chat("gpt-4o-mini"),
      middleware: aiSdkMiddleware(bed.test.collector),
    });
    await generateText({ model, prompt: "x", maxRetries: 0 });
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.requests(text, {})).toBe(1);
    expect(ai.requests(text, { operation: OPERATION })).toBe(1);
  });
});
