import { describe, expect, it } from "vitest";
import { GenAiMetrics } from "../../../src/instrument/gen-ai-metrics.js";

describe("GenAiMetrics", () => {
  it("hands out the same pre-resolved handles for the same attribute set", () => {
    const metrics = new GenAiMetrics("v1.36");
    const a = metrics.handlesFor("chat", "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", undefined);
    const b = metrics.handlesFor("chat", "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", undefined);
    expect(a).toBe(b);
    expect(metrics.handlesFor("chat", "openai", "gpt-4o-mini", undefined, "timeout")).not.toBe(a);
    a.duration.record(0.3);
    a.inputTokens.record(100);
    const [duration, tokens] = metrics.metrics([0, 0], [1, 0]);
    expect(duration?.descriptor.name).toBe("gen_ai.client.operation.duration");
    expect(duration?.dataPoints[0]?.attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    });
    expect(tokens?.dataPoints).toHaveLength(1);
    expect(tokens?.dataPoints[0]?.attributes["gen_ai.token.type"]).toBe("input");
  });

  it("keeps model names that are identifiers, scrubs the rest, and caches both", () => {
    const metrics = new GenAiMetrics("v1.36");
    expect(metrics.name("gpt-4o-mini-2024-07-18")).toBe("gpt-4o-mini-2024-07-18");
    expect(metrics.name("meta-llama/Llama-3.1-8B-Instruct")).toBe("meta-llama/Llama-3.1-8B-Instruct");
    expect(metrics.name("model of alice@example.com")).not.toContain("alice");
    expect(metrics.name(42)).toBeUndefined();
  });

  it("bounds its attribute sets: past the limit, one overflow set", () => {
    const metrics = new GenAiMetrics("v1.36", 3);
    for (let i = 0; i < 10; i++)
      metrics.handlesFor("chat", "openai", `model-${i}`, undefined, undefined).duration.record(1);
    const [duration] = metrics.metrics([0, 0], [1, 0]);
    expect(duration?.dataPoints).toHaveLength(4);
    expect(duration?.dataPoints.at(-1)?.attributes).toEqual({ otel_metric_overflow: true });
    expect((duration?.dataPoints.at(-1)?.value as { count: number }).count).toBe(7);
  });
});
