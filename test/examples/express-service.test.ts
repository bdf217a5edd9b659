import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  REQUESTS_METRIC,
  TOKENS_METRIC,
} from "../../src/signals/metric-definitions.js";
import { sumOf } from "../helpers/prometheus-samples.js";
import { type RunningExample, startExample } from "./run-example.js";

describe("examples/express-service.ts", () => {
  let example: RunningExample;
  let metrics = "";
  let answer: { answer?: string } = {};

  beforeAll(async () => {
    example = await startExample("express-service.ts", { PORT: "0", METRICS_PORT: "0" });
    const url = String(example.ready.url);
    for (const id of ["17", "23"]) await (await fetch(`${url}/users/${id}`)).text();
    answer = (await (
      await fetch(`${url}/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: "How many moons does Mars have?" }),
      })
    ).json()) as { answer?: string };
    await (await fetch(`${url}/overloaded`)).text();
    metrics = await (await fetch(String(example.ready.metrics))).text();
  });

  afterAll(async () => {
    expect(await example.stop()).toBe(0);
  });

  it("serves the routes and reports them under their templates", () => {
    expect(answer.answer).toContain("You asked 6 words");
    expect(
      sumOf(metrics, REQUESTS_METRIC.promName, { operation: "GET /users/:id", exchange: "ai_human" }),
    ).toBe(2);
    expect(sumOf(metrics, REQUESTS_METRIC.promName, { operation: "POST /chat", outcome: "ok" })).toBe(1);
    expect(
      sumOf(metrics, ERRORS_METRIC.promName, { operation: "GET /overloaded", error_type: "rate_limited" }),
    ).toBe(1);
  });

  it("records the AI reply as an exchange with the model's token usage", () => {
    expect(sumOf(metrics, REQUESTS_METRIC.promName, { operation: "chat_reply", exchange: "ai_human" })).toBe(
      1,
    );
    expect(sumOf(metrics, TOKENS_METRIC.promName, { operation: "chat_reply", direction: "input" })).toBe(6);
    expect(sumOf(metrics, TOKENS_METRIC.promName, { operation: "chat_reply", direction: "output" })).toBe(9);
    expect(
      sumOf(metrics, EXCHANGE_SIZE_METRIC.promName, { operation: "POST /chat", direction: "input" }),
    ).toBeGreaterThan(0);
    expect(metrics).toContain('gen_ai_system="local"');
  });
});
