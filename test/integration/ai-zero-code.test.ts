import { createRequire } from "node:module";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AnthropicInstrumentation,
  OpenAIInstrumentation,
} from "../../src/instrument/ai/ai-instrumentations.js";
import { type AiTestBed, ai, startAiTestBed } from "../fixtures/ai/ai-test-kit.js";
import { anthropicMessage, chatCompletion, chatStream, json, sse } from "../fixtures/ai/provider-replies.js";

// Zero-code instrumentation: `registerInstrumentations` + CommonJS `require()` (require-in-the-middle),
// on fresh copies of the SDKs (the patches touch prototypes; other test files keep theirs).
// The ES-module hook (`--experimental-loader=@opentelemetry/instrumentation/hook.mjs`) runs in
// test/integration/ai-packed.test.ts, from the packed package.

const require = createRequire(import.meta.url);

function freshRequire<T>(name: string): T {
  const root = require.resolve(name).replace(/[^/]+$/, "");
  for (const key of Object.keys(require.cache)) if (key.startsWith(root)) delete require.cache[key];
  return require(name) as T;
}

let bed: AiTestBed;
let unregister: (() => void) | undefined;
beforeEach(async () => {
  bed = await startAiTestBed();
});
afterEach(async () => {
  unregister?.();
  unregister = undefined;
  await bed.stop();
});

describe("OpenAIInstrumentation and AnthropicInstrumentation", () => {
  it("patch the SDKs loaded with require() after registerInstrumentations, for every client", async () => {
    unregister = registerInstrumentations({
      instrumentations: [
        new OpenAIInstrumentation({ collector: bed.test.collector }),
        new AnthropicInstrumentation({ collector: bed.test.collector, kind: "ai_ai" }),
      ],
    });
    const { OpenAI } = freshRequire<typeof import("openai")>("openai");
    const { Anthropic } = freshRequire<typeof import("@anthropic-ai/sdk")>("@anthropic-ai/sdk");
    bed.provider.reply(
      json(chatCompletion({ usage: { input: 11, output: 3 } })),
      sse(chatStream({ usage: { input: 12, output: 6 } })),
      json(anthropicMessage({ usage: { input: 20, output: 5 } })),
    );
    const openai = new OpenAI({ apiKey: "k", baseURL: `${bed.provider.url}/v1`, maxRetries: 0 });
    await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
    });
    const other = new OpenAI({ apiKey: "k", baseURL: `${bed.provider.url}/v1`, maxRetries: 0 });
    for await (const _ of await other.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
      stream: true,
      stream_options: { include_usage: true },
    })) {
      // consumed
    }
    const anthropic = new Anthropic({ apiKey: "k", baseURL: bed.provider.url, maxRetries: 0 });
    await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 9,
      messages: [{ role: "user", content: "x" }],
    });

    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 3);
    expect(ai.requests(text, { operation: "chat gpt-4o-mini", exchange: "ai_human" })).toBe(2);
    expect(ai.tokens(text, { operation: "chat gpt-4o-mini", direction: "input" })).toBe(23);
    expect(ai.ttftCount(text, { operation: "chat gpt-4o-mini" })).toBe(1);
    expect(ai.requests(text, { operation: "chat claude-sonnet-4-5", exchange: "ai_ai" })).toBe(1);
    expect(ai.tokens(text, { operation: "chat claude-sonnet-4-5", direction: "output" })).toBe(5);
  });

  it("leaves clients of collector.instrument() to it: one exchange per call, not two", async () => {
    const instrumentation = new OpenAIInstrumentation({ collector: bed.test.collector });
    const sdk = freshRequire<typeof import("openai")>("openai");
    instrumentation.manuallyInstrument(sdk);
    unregister = () => instrumentation.disable();
    bed.provider.reply(json(chatCompletion({ usage: { input: 11, output: 3 } })));
    const client = bed.test.collector.instrument(
      new sdk.OpenAI({ apiKey: "k", baseURL: `${bed.provider.url}/v1` }),
    );
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
    });
    const text = await bed.metricsWhen((t) => ai.requests(t, {}) === 1);
    expect(ai.requests(text, {})).toBe(1);
    expect(ai.tokens(text, { direction: "input" })).toBe(11);
    expect(ai.attempts(text, {})).toBe(1);
  });

  it("stop recording when disabled", async () => {
    const instrumentation = new OpenAIInstrumentation({ collector: bed.test.collector });
    const sdk = freshRequire<typeof import("openai")>("openai");
    instrumentation.manuallyInstrument(sdk);
    instrumentation.disable();
    bed.provider.reply(json(chatCompletion({ usage: { input: 11, output: 3 } })));
    const client = new sdk.OpenAI({ apiKey: "k", baseURL: `${bed.provider.url}/v1` });
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
    });
    expect(ai.requests(await bed.metrics(), {})).toBe(0);
  });
});
