import type { Attributes, Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";

/**
 * Attribute keys that carry prompt or completion content in the spans of other AI SDKs, as
 * prefixes (a key equal to one, or starting with it and a `.`): the GenAI semantic conventions'
 * opt-in content attributes and their older indexed forms (OpenLLMetry `gen_ai.prompt.0.content`),
 * the AI SDK's own telemetry (`ai.prompt.messages`, `ai.response.text`, ...), and OpenInference
 * (`input.value`, `llm.input_messages.0.message.content`, ...).
 */
export const GEN_AI_CONTENT_ATTRIBUTE_PREFIXES: readonly string[] = Object.freeze([
  "gen_ai.prompt",
  "gen_ai.completion",
  "gen_ai.input.messages",
  "gen_ai.output.messages",
  "gen_ai.system_instructions",
  "gen_ai.tool.call.arguments",
  "gen_ai.tool.call.result",
  "gen_ai.request.messages",
  "gen_ai.response.text",
  "ai.prompt",
  "ai.response.text",
  "ai.response.object",
  "ai.response.toolCalls",
  "ai.response.reasoning",
  "ai.toolCall.args",
  "ai.toolCall.result",
  "ai.value",
  "ai.values",
  "ai.embedding",
  "ai.embeddings",
  "input.value",
  "output.value",
  "llm.input_messages",
  "llm.output_messages",
  "llm.prompts",
  "llm.prompt_template.variables",
]);

/** Span events that carry content (GenAI semantic conventions, older drafts included): dropped whole. */
const CONTENT_EVENT =
  /^gen_ai\.(?:content\.(?:prompt|completion)|(?:system|user|assistant|tool)\.message|choice|client\.inference\.operation\.details)$/;

/** Whether `key` is a content attribute ({@link GEN_AI_CONTENT_ATTRIBUTE_PREFIXES}). */
export function isGenAiContentAttribute(key: string): boolean {
  for (const prefix of GEN_AI_CONTENT_ATTRIBUTE_PREFIXES) {
    if (key === prefix || (key.startsWith(prefix) && key.charCodeAt(prefix.length) === 0x2e)) return true;
  }
  return false;
}

/**
 * An opt-in span processor that strips prompt and completion content from every span the
 * collector exports, including spans other SDKs produce once `register()` makes the collector
 * their tracer provider (the AI SDK's `experimental_telemetry` records prompts and responses;
 * OpenLLMetry and OpenInference capture content by default). It removes the attributes of
 * {@link GEN_AI_CONTENT_ATTRIBUTE_PREFIXES} and the GenAI content events, and counts what it
 * removed in `zoran.content_attributes_stripped` on the span. zoran-telemetrie's own spans never
 * carry content, so they pass unchanged.
 *
 * It works in `onEnding` (before any processor's `onEnd`), so its place in `spanProcessors` does
 * not matter: no exporter sees the content.
 *
 * @example
 * const collector = new TelemetryCollector({ exporter: "otlp", spanProcessors: [new GenAiContentStripSpanProcessor()] });
 */
export class GenAiContentStripSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  /** Removes content from the span while it can still be changed, before exporters see it. */
  onEnding(span: Span): void {
    try {
      let stripped = stripAttributes(span.attributes as Attributes);
      const events = span.events;
      for (let i = events.length - 1; i >= 0; i--) {
        const event = events[i]!;
        if (CONTENT_EVENT.test(event.name)) {
          events.splice(i, 1);
          stripped++;
        } else if (event.attributes !== undefined) {
          stripped += stripAttributes(event.attributes);
        }
      }
      if (stripped > 0) (span.attributes as Attributes)["zoran.content_attributes_stripped"] = stripped;
    } catch {
      // A span of an SDK whose attributes are frozen: left as it is.
    }
  }

  onEnd(_span: ReadableSpan): void {}

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}

function stripAttributes(attributes: Attributes): number {
  let stripped = 0;
  for (const key of Object.keys(attributes)) {
    if (isGenAiContentAttribute(key)) {
      delete attributes[key];
      stripped++;
    }
  }
  return stripped;
}
