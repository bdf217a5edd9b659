import { describe, expect, it } from "vitest";
import { TelemetryCollector } from "zoran-telemetrie";
import { scrubModelName } from "../../src/privacy/scrub-value.js";

/**
 * Issue 15, finding 5 (last item): "date-like model names (`19850514`) exported raw."
 *
 * `exchange()` let any model name matching `^[\w.:/-]{1,64}$` through once its release dates
 * were cut out, so a bare date (a birth date) left nothing to scrub and was exported as it was.
 * The scrubber now knows release dates of model names itself; `scrubModelName` is the one call
 * for model and provider names.
 */

const MODEL_IDS = [
  "gpt-4o",
  "gpt-4o-2024-08-06",
  "gpt-4o-mini-2024-07-18",
  "o1-2024-12-17",
  "claude-3-5-sonnet-20241022",
  "anthropic.claude-3-5-sonnet-20240620-v1:0",
  "meta-llama/Llama-3.1-8B-Instruct",
  "gemini-1.5-pro-002",
  "mistral-large-2407",
  "text-embedding-3-large",
];
const NOT_MODELS = ["19850514", "1985-05-14", "20120304", "14/05/1985", "+33612345678", "203.0.113.42"];

describe("model names", () => {
  it("keeps model ids, release dates included", () => {
    for (const model of MODEL_IDS) expect(scrubModelName(model)).toBe(model);
  });

  it("scrubs a date, a phone number or an address given as a model name", () => {
    for (const value of NOT_MODELS) expect(scrubModelName(value)).not.toContain(value.slice(0, 6));
  });

  // Wiring pending: src/instrument/ai-exchange.ts `label()` (owned by the AI-SDK rewrite) must
  // call scrubModelName() instead of cutting dates out and passing id-shaped values raw. Drop
  // `.fails` once it does.
  it("exports no date-like model name through exchange()", async () => {
    const collector = new TelemetryCollector({
      exporter: "none",
      saturation: false,
      runtimeMetrics: false,
      window: false,
    });
    for (const model of NOT_MODELS)
      await collector.exchange({ operation: "m", kind: "ai_ai", provider: "openai", model }, async () => 1);
    const text = await collector.export("prometheus");
    await collector.shutdown();
    expect(text).toContain("gen_ai_client_operation_duration_seconds");
    for (const value of NOT_MODELS) expect(text).not.toContain(value);
  });
});
