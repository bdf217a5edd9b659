import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OtlpReceiver, type ReceivedSpan } from "../helpers/otlp-receiver.js";
import { type RunningExample, runExample, startExample } from "./run-example.js";

/**
 * Two processes, one trace: agent A (examples/agent-chain-a.ts) calls agent B
 * (examples/agent-chain-b.ts) through the instrumented fetch; both export their spans over
 * OTLP/HTTP to a real receiver in this test.
 */
describe("examples/agent-chain-a.ts -> examples/agent-chain-b.ts", () => {
  const receiver = new OtlpReceiver();
  let agentB: RunningExample;
  let output: { findings: string; traceId: string };
  let spans: ReceivedSpan[] = [];

  beforeAll(async () => {
    await receiver.start();
    const otlp = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_METRIC_EXPORT_INTERVAL: "60000",
    };
    agentB = await startExample("agent-chain-b.ts", { ...otlp, PORT: "0", METRICS_PORT: "0" });
    const agentA = await runExample("agent-chain-a.ts", { ...otlp, AGENT_B_URL: String(agentB.ready.url) });
    expect(agentA.code, agentA.stderr).toBe(0);
    output = JSON.parse(agentA.stdout.trim().split("\n").at(-1)!) as typeof output;
    expect(await agentB.stop()).toBe(0);
    spans = receiver.spans;
  });

  afterAll(async () => {
    await agentB?.stop().catch(() => undefined);
    await receiver.stop();
  });

  const span = (service: string, name: string) =>
    spans.find((s) => s.resource["service.name"] === service && s.name === name);

  it("gets agent B's answer", () => {
    expect(output.findings).toBe("Three facts about 4 characters of topic.");
  });

  it("makes agent B's server span a child of agent A's client span, in A's trace", () => {
    const client = span("agent-a-planner", "call_agent_b");
    const server = span("agent-b-researcher", "POST /agents/research");
    expect(client).toBeDefined();
    expect(server).toBeDefined();
    expect(server?.traceId).toBe(client?.traceId);
    expect(server?.parentSpanId).toBe(client?.spanId);
    expect(server?.traceId).toBe(output.traceId);
  });

  it("links every span of both processes into one tree rooted at A's traced method", () => {
    const plan = span("agent-a-planner", "plan_trip");
    const ask = span("agent-a-planner", "ask_researcher");
    const client = span("agent-a-planner", "call_agent_b");
    const server = span("agent-b-researcher", "POST /agents/research");
    const research = span("agent-b-researcher", "research_answer");
    expect(plan?.parentSpanId).toBe("");
    expect(ask?.parentSpanId).toBe(plan?.spanId);
    expect(client?.parentSpanId).toBe(ask?.spanId);
    expect(research?.parentSpanId).toBe(server?.spanId);
    const traceIds = new Set([plan, ask, client, server, research].map((s) => s?.traceId));
    expect(traceIds.size).toBe(1);
  });

  it("reports B's model usage on both sides of the exchange", () => {
    const research = span("agent-b-researcher", "research_answer");
    expect(research?.attributes["gen_ai.usage.input_tokens"]).toBe(150);
    expect(research?.attributes["gen_ai.usage.output_tokens"]).toBe(42);
    // A read the same usage object from B's JSON answer.
    expect(span("agent-a-planner", "ask_researcher")?.attributes["gen_ai.usage.output_tokens"]).toBe(42);
  });
});
