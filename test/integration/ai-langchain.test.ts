import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { langChainHandler } from "../../src/instrument/ai/langchain-handler.js";
import { type AiTestBed, ai, startAiTestBed } from "../fixtures/ai/ai-test-kit.js";
import {
  chatCompletion,
  chatStream,
  FIRST_TEXT_DELAY_MS,
  json,
  rateLimited,
  serverError,
  sse,
} from "../fixtures/ai/provider-replies.js";

// The real LangChain (`@langchain/core` 1 + `@langchain/openai` 1) against a fake OpenAI API on
// 127.0.0.1, with `langChainHandler(collector)` in `callbacks`.

let bed: AiTestBed;
beforeEach(async () => {
  bed = await startAiTestBed();
});
afterEach(async () => {
  await bed.stop();
});

function chatModel(options: { maxRetries?: number; handler?: Parameters<typeof langChainHandler>[1] } = {}) {
  return new ChatOpenAI({
    model: "gpt-4o-mini",
    apiKey: "sk-test",
    configuration: { baseURL: `${bed.provider.url}/v1` },
    maxRetries: options.maxRetries ?? 0,
    callbacks: [langChainHandler(bed.test.collector, options.handler)],
  });
}

const OPERATION = "chat gpt-4o-mini";

describe("langChainHandler: tokens equal what the provider reported", () => {
  it("counts invoke()'s input, cached and output tokens", async () => {
    bed.provider.reply(json(chatCompletion({ usage: { input: 1117, output: 46, cached: 1024 } })));
    const message = await chatModel().invoke("Find flights to Oslo");
    expect(message.content).toBe("The agent found three flights.");
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    expect(ai.requests(text, { operation: OPERATION, exchange: "ai_human", outcome: "ok" })).toBe(1);
    expect(ai.tokens(text, { operation: OPERATION, direction: "input" })).toBe(1117);
    expect(ai.tokens(text, { operation: OPERATION, direction: "output" })).toBe(46);
    expect(ai.cached(text, { operation: OPERATION })).toBe(1024);
    expect(
      ai.genAiTokens(text, "input", { gen_ai_system: "openai", gen_ai_request_model: "gpt-4o-mini" }),
    ).toBe(1117);
  });

  it("counts stream()'s reported usage (not LangChain's estimate) and times the first token", async () => {
    bed.provider.reply(sse(chatStream({ usage: { input: 320, output: 6 } })));
    let content = "";
    for await (const chunk of await chatModel().stream("Find flights")) content += chunk.content;
    expect(content).toBe("The agent found three flights.");
    const text = await bed.metricsWhen((t) => ai.requests(t, { operation: OPERATION }) === 1);
    expect(ai.tokens(text, { direction: "input" })).toBe(320);
    expect(ai.tokens(text, { direction: "output" })).toBe(6);
    expect(ai.ttftCount(text, { operation: OPERATION })).toBe(1);
    expect(ai.ttftSum(text)).toBeGreaterThanOrEqual(FIRST_TEXT_DELAY_MS / 1000);
  });

  it("traces tool runs as child spans without their arguments or results", async () => {
    const search = tool(async (input: { to: string }) => `3 flights to ${input.to}`, {
      name: "search_flights",
      description: "Search flights",
      schema: { type: "object", properties: { to: { type: "string" } }, required: ["to"] },
    }) as unknown as { invoke(input: { to: string }, config: { callbacks: unknown[] }): Promise<unknown> };
    const handler = langChainHandler(bed.test.collector);
    await bed.test.collector.trace("agent_step", async () => {
      await search.invoke({ to: "alice@example.com" }, { callbacks: [handler] });
    });
    const span = bed.spans().find((s) => s.name === "execute_tool search_flights")!;
    expect(span.attributes["gen_ai.tool.name"]).toBe("search_flights");
    const parent = bed.spans().find((s) => s.name === "agent_step")!;
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(JSON.stringify(span.attributes)).not.toContain("alice");
  });
});

describe("langChainHandler: refusals and errors", () => {
  it("counts content_filter as a refusal; an error only under mustAnswer", async () => {
    bed.provider.reply(
      json(chatCompletion({ usage: { input: 5, output: 0 }, finishReason: "content_filter" })),
      json(chatCompletion({ usage: { input: 5, output: 0 }, finishReason: "content_filter" })),
    );
    await chatModel().invoke("x");
    await chatModel({ handler: { mustAnswer: true, operation: "strict" } }).invoke("x");
    const text = await bed.metricsWhen((t) => ai.refusals(t) === 2);
    expect(ai.refusals(text, { operation: OPERATION })).toBe(1);
    expect(ai.errors(text, { operation: OPERATION })).toBe(0);
    expect(ai.errors(text, { operation: "strict", error_type: "unjustified_refusal" })).toBe(1);
  });

  it("types a 429 as rate_limited and a 500 as provider_error; LangChain's retries stay one request", async () => {
    bed.provider.reply(rateLimited(), serverError(500));
    await expect(chatModel().invoke("a")).rejects.toThrow();
    await expect(chatModel().invoke("b")).rejects.toThrow();
    bed.provider.reply(serverError(503), json(chatCompletion({ usage: { input: 4, output: 2 } })));
    await chatModel({ maxRetries: 1, handler: { operation: "retried" } }).invoke("c");
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 3);
    expect(ai.errors(text, { operation: OPERATION, error_type: "rate_limited" })).toBe(1);
    expect(ai.errors(text, { operation: OPERATION, error_type: "provider_error" })).toBe(1);
    expect(ai.requests(text, { operation: "retried", outcome: "ok" })).toBe(1);
  });
});
