import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUESTS_METRIC, TOKENS_METRIC } from "../../src/signals/metric-definitions.js";
import { sumOf } from "../helpers/prometheus-samples.js";
import { type RunningExample, startExample } from "./run-example.js";

interface ChatEvent {
  text?: string;
  done?: boolean;
  usage?: { inputTokens: number; outputTokens: number };
}

describe("examples/streaming-chat.ts", () => {
  let example: RunningExample;
  let events: ChatEvent[] = [];
  let metrics = "";

  beforeAll(async () => {
    // The newer GenAI names add the time-to-first-chunk histogram.
    example = await startExample("streaming-chat.ts", {
      PORT: "0",
      METRICS_PORT: "0",
      OTEL_SEMCONV_STABILITY_OPT_IN: "gen_ai_latest_experimental",
    });
    const response = await fetch(`${example.ready.url}/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "Tell me about Lyon please" }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const body = await response.text();
    events = body
      .split("\n\n")
      .filter((block) => block.startsWith("data: "))
      .map((block) => JSON.parse(block.slice(6)) as ChatEvent);
    metrics = await (await fetch(String(example.ready.metrics))).text();
  });

  afterAll(async () => {
    expect(await example.stop()).toBe(0);
  });

  it("streams the reply as Server-Sent Events", () => {
    const text = events.map((event) => event.text ?? "").join("");
    expect(text).toBe("Lyon sits where the Rhône meets the Saône.");
    expect(events.at(-1)?.done).toBe(true);
  });

  it("records the stream's token usage as the model reported it", () => {
    const usage = events.at(-1)?.usage;
    expect(usage).toEqual({ inputTokens: 5, outputTokens: 8 });
    expect(sumOf(metrics, TOKENS_METRIC.promName, { operation: "stream_chat", direction: "input" })).toBe(5);
    expect(sumOf(metrics, TOKENS_METRIC.promName, { operation: "stream_chat", direction: "output" })).toBe(8);
  });

  it("records the handler and the exchange as one request each, with a time to first chunk", () => {
    expect(sumOf(metrics, REQUESTS_METRIC.promName, { operation: "POST /chat/stream", outcome: "ok" })).toBe(
      1,
    );
    expect(sumOf(metrics, REQUESTS_METRIC.promName, { operation: "stream_chat", exchange: "ai_human" })).toBe(
      1,
    );
    expect(sumOf(metrics, "gen_ai_client_operation_time_to_first_chunk_seconds_count")).toBe(1);
    expect(
      sumOf(metrics, "gen_ai_client_operation_duration_seconds_count", { gen_ai_provider_name: "local" }),
    ).toBe(1);
  });
});
