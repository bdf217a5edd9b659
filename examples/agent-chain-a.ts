// Agent A of an AI-to-AI call chain: a planner whose method is traced with the `@traced`
// decorator and which asks agent B (examples/agent-chain-b.ts) for research through an
// instrumented fetch. The `traceparent` it sends makes B's spans children of A's, so one trace
// spans both processes. It makes one call, prints the answer and its trace id, and exits.
// Run: AGENT_B_URL=http://127.0.0.1:3001 npx tsx examples/agent-chain-a.ts
import { trace } from "@opentelemetry/api";
import { instrumentFetch, TelemetryCollector, traced } from "zoran-telemetrie";

const collector = new TelemetryCollector({
  serviceName: "agent-a-planner",
  exporter: "otlp",
  saturation: false,
});
const agentB = process.env.AGENT_B_URL ?? "http://127.0.0.1:3001";
const tracedFetch = instrumentFetch(collector, { exchange: "ai_ai", operation: "call_agent_b" });

class Planner {
  @traced(collector, { name: "plan_trip", exchange: "ai_ai" })
  async plan(destination: string): Promise<{ findings: string; traceId: string }> {
    const traceId = trace.getSpan(collector.contextManager.active())?.spanContext().traceId ?? "";
    // Asking another agent is itself an AI-to-AI exchange: its tokens are the ones B reports.
    const answer = await collector.exchange({ operation: "ask_researcher", kind: "ai_ai" }, async (ex) => {
      const response = await tracedFetch(`${agentB}/agents/research`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(ex.request({ topic: destination })),
      });
      if (!response.ok) ex.fail(response.status === 429 ? "rate_limited" : "other");
      return ex.response((await response.json()) as { findings: string; usage: unknown });
    });
    return { findings: answer.findings, traceId };
  }
}

const result = await new Planner().plan("Lyon");
console.log(JSON.stringify(result));
await collector.shutdown(); // flushes the spans before the process exits
