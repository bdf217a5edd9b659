import { afterEach, describe, expect, it } from "vitest";
import { GenAiContentStripSpanProcessor } from "../../../src/instrument/ai/gen-ai-content-strip-span-processor.js";
import { createTestCollector, type TestCollector } from "../../../src/testing/create-test-collector.js";

let test: TestCollector | undefined;
afterEach(async () => {
  await test?.shutdown();
  test = undefined;
});

// Spans as other SDKs write them: OpenLLMetry's indexed prompts, the AI SDK's `ai.*`, OpenInference.
function spanWithContent(tracer: ReturnType<TestCollector["collector"]["tracerProvider"]["getTracer"]>) {
  const span = tracer.startSpan("ai.generateText");
  span.setAttributes({
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 12,
    "gen_ai.prompt.0.content": "My email is alice@example.com",
    "gen_ai.completion.0.content": "Noted, alice@example.com",
    "gen_ai.input.messages": '[{"role":"user","content":"secret"}]',
    "ai.prompt.messages": '[{"role":"user","content":"secret"}]',
    "ai.response.text": "secret answer",
    "input.value": "secret",
    "llm.input_messages.0.message.content": "secret",
    "gen_ai.promptly": "kept: not a content key",
  });
  span.addEvent("gen_ai.user.message", { content: "secret" });
  span.addEvent("retry", { "gen_ai.prompt": "secret", attempt: 2 });
  span.end();
}

describe("GenAiContentStripSpanProcessor", () => {
  it("removes content attributes and events before any exporter sees them, wherever it is listed", async () => {
    test = await createTestCollector({ spanProcessors: [new GenAiContentStripSpanProcessor()] });
    spanWithContent(test.collector.tracerProvider.getTracer("other-sdk"));
    const [span] = test.spans();
    expect(span).toBeDefined();
    expect(JSON.stringify(span!.attributes)).not.toContain("secret");
    expect(JSON.stringify(span!.attributes)).not.toContain("alice");
    expect(span!.attributes).toMatchObject({
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.usage.input_tokens": 12,
      "gen_ai.promptly": "kept: not a content key",
      "zoran.content_attributes_stripped": 9,
    });
    expect(span!.events.map((e) => e.name)).toEqual(["retry"]);
    expect(span!.events[0]!.attributes).toEqual({ attempt: 2 });
  });

  it("is opt-in: without it, other SDKs' content passes (documented in docs/data-inventory.md)", async () => {
    test = await createTestCollector();
    spanWithContent(test.collector.tracerProvider.getTracer("other-sdk"));
    expect(test.spans()[0]!.attributes["ai.response.text"]).toBe("secret answer");
  });
});
