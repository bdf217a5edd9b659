import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplesOf, sumOf } from "../helpers/prometheus-samples.js";
import { waitFor } from "../helpers/prometheus-server.js";
import { type DemoProcess, spawnDemo } from "../helpers/spawn-demo.js";

describe("zoran-telemetrie demo", () => {
  let demo: DemoProcess;

  beforeAll(async () => {
    demo = await spawnDemo(["--port", "0", "--rate", "60", "--seed", "7"]);
  }, 40_000);

  afterAll(async () => {
    await demo?.stop();
  });

  it("prints the URL of /metrics on 127.0.0.1", () => {
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("simulates both exchange kinds, every error type, tokens and bytes", async () => {
    let text = "";
    await waitFor("every error type", 25_000, async () => {
      text = await (await fetch(`${demo.url}/metrics`)).text();
      const types = new Set(samplesOf(text, "zoran_errors_total").map((s) => s.labels.error_type));
      return ["invalid_response", "unjustified_refusal", "timeout", "rate_limited", "crash"].every((t) =>
        types.has(t),
      );
    });
    expect(sumOf(text, "zoran_requests_total", { exchange: "ai_ai" })).toBeGreaterThan(0);
    expect(sumOf(text, "zoran_requests_total", { exchange: "ai_human" })).toBeGreaterThan(0);
    expect(sumOf(text, "zoran_tokens_total", { direction: "input" })).toBeGreaterThan(0);
    expect(sumOf(text, "zoran_tokens_total", { direction: "output" })).toBeGreaterThan(0);
    expect(sumOf(text, "zoran_exchange_size_bytes_total", { direction: "output" })).toBeGreaterThan(0);
    // Latencies spread over several buckets, as a real service's would.
    const used = samplesOf(text, "zoran_latency_seconds_bucket")
      .filter((s) => s.value > 0)
      .map((s) => s.labels.le);
    expect(new Set(used).size).toBeGreaterThan(5);
  }, 30_000);

  it("shuts down cleanly on Ctrl-C (SIGINT) with exit code 0", async () => {
    expect(await demo.stop()).toBe(0);
    expect(demo.output()).toContain("shutting down");
  }, 15_000);
});
