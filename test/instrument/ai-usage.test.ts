import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readAiUsage, StreamUsage } from "../../src/instrument/ai-usage.js";

function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/ai/${name}`, import.meta.url), "utf8")) as T;
}

describe("readAiUsage", () => {
  it("reads prompt and completion tokens, model and finish reason of an OpenAI chat completion", () => {
    const response = fixture<{
      usage: {
        prompt_tokens: number;
        completion_tokens: number;
        prompt_tokens_details: { cached_tokens: number };
      };
      model: string;
    }>("openai-chat-completion.json");
    expect(readAiUsage(response)).toEqual({
      inputTokens: response.usage.prompt_tokens,
      cachedInputTokens: response.usage.prompt_tokens_details.cached_tokens,
      outputTokens: response.usage.completion_tokens,
      responseModel: response.model,
      finishReasons: ["stop"],
    });
  });

  it("reads input and output tokens of an OpenAI Responses object", () => {
    const response = fixture<{ usage: { input_tokens: number; output_tokens: number } }>(
      "openai-response.json",
    );
    const usage = readAiUsage(response);
    expect(usage.inputTokens).toBe(response.usage.input_tokens);
    expect(usage.outputTokens).toBe(response.usage.output_tokens);
  });

  it("counts Anthropic cached input tokens into the input, as billed", () => {
    const response = fixture<{
      usage: {
        input_tokens: number;
        cache_creation_input_tokens: number;
        cache_read_input_tokens: number;
        output_tokens: number;
      };
    }>("anthropic-message.json");
    const { usage } = response;
    expect(readAiUsage(response)).toMatchObject({
      inputTokens: usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens,
      outputTokens: usage.output_tokens,
      finishReasons: ["end_turn"],
    });
  });

  it("detects refusals of both providers without reading their text", () => {
    expect(readAiUsage(fixture("openai-chat-refusal.json")).refusal).toBe(true);
    expect(readAiUsage(fixture("anthropic-refusal.json")).refusal).toBe(true);
    expect(readAiUsage(fixture("openai-chat-completion.json")).refusal).toBeUndefined();
  });

  it("keeps the last cumulative values of a stream, never a sum", () => {
    const chunks = fixture<Array<Record<string, unknown>>>("anthropic-message-stream.json");
    const stream = new StreamUsage();
    for (const chunk of chunks) stream.add(chunk);
    expect(stream.inputTokens).toBe(472);
    // message_start says 2 output tokens so far; message_delta's 89 is the running total.
    expect(stream.outputTokens).toBe(89);
    expect(stream.finishReasons).toEqual(["end_turn"]);
  });

  it("returns nothing for values that are not usage objects", () => {
    expect(readAiUsage(null)).toEqual({});
    expect(readAiUsage("text")).toEqual({});
    expect(readAiUsage({ usage: { prompt_tokens: -1, completion_tokens: "many" } })).toEqual({});
  });
});
