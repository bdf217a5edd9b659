// Agent B of an AI-to-AI call chain: a Fastify service answering research requests from other
// agents. Its server span continues the caller's W3C trace, so agent A's call and agent B's
// work form one trace. Run it first; it prints its URL.
// Run: npx tsx examples/agent-chain-b.ts   (PORT, METRICS_PORT: 0 picks free ports;
//      spans and metrics go over OTLP to OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318)
import Fastify from "fastify";
import { fastifyPlugin, TelemetryCollector } from "zoran-telemetrie";

const collector = new TelemetryCollector({
  serviceName: "agent-b-researcher",
  exporter: ["prometheus", "otlp"],
  port: Number(process.env.METRICS_PORT ?? 9465),
});
await collector.start();

/** A stand-in for agent B's model: an Anthropic-shaped message with its usage. */
function researchModel(topic: string) {
  const text = `Three facts about ${topic.length} characters of topic.`;
  return {
    type: "message",
    model: "local-research-1",
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    usage: {
      input_tokens: 120,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 30,
      output_tokens: 42,
    },
  };
}

const app = Fastify();
await app.register(fastifyPlugin(collector, { exchange: "ai_ai" }));

app.post("/agents/research", async (request) => {
  const topic = String((request.body as { topic?: unknown } | undefined)?.topic ?? "");
  const message = await collector.exchange(
    { operation: "research_answer", kind: "ai_ai", provider: "local", model: "local-research-1" },
    async (ex) => ex.response(researchModel(ex.request(topic))),
  );
  return { findings: message.content[0]?.text, usage: message.usage };
});

await app.listen({ port: Number(process.env.PORT ?? 3001), host: "127.0.0.1" });
const address = app.server.address();
const port = typeof address === "object" && address !== null ? address.port : 0;
console.log(
  JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}`, metrics: `${collector.url}/metrics` }),
);

// Idempotent, and `on` rather than `once`: a second signal (a supervisor repeating it) must not
// kill the process halfway through its final flush.
let stopping: Promise<void> | undefined;
const stop = () => {
  stopping ??= shutDown();
  return stopping;
};
const shutDown = async () => {
  await app.close();
  await collector.shutdown();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
