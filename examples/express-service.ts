// An Express service observed through the four golden signals: every route under its template,
// and each AI reply as an `ai_human` exchange with its tokens. The "model" is a small local
// function shaped like the OpenAI Chat Completions API, so the example runs offline.
// Run: npx tsx examples/express-service.ts   (PORT, METRICS_PORT: 0 picks free ports)
import express from "express";
import { expressMiddleware, TelemetryCollector } from "zoran-telemetrie";

const collector = new TelemetryCollector({
  serviceName: "express-service",
  exporter: "prometheus",
  port: Number(process.env.METRICS_PORT ?? 9464),
});
await collector.start();

/** A stand-in for a chat model: answers with the question's word count, reports usage like OpenAI. */
function localModel(request: { messages: { role: string; content: string }[] }) {
  const words = request.messages
    .map((m) => m.content)
    .join(" ")
    .split(/\s+/)
    .filter(Boolean);
  const content = `You asked ${words.length} words; here is a short answer.`;
  return {
    object: "chat.completion",
    model: "local-echo-1",
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop" }],
    usage: {
      prompt_tokens: words.length,
      completion_tokens: content.split(" ").length,
      total_tokens: words.length + content.split(" ").length,
    },
  };
}

const app = express();
app.use(expressMiddleware(collector, { exchange: "ai_human" }));
app.use(express.json());

app.get("/health", (_req, res) => {
  res.json({ status: "ok" });
});

app.get("/users/:id", (req, res) => {
  // Recorded as `GET /users/:id`: the id never becomes a label.
  res.json({ id: req.params.id, plan: "pro" });
});

app.post("/chat", async (req, res) => {
  const question = String(req.body?.question ?? "");
  if (question === "") {
    res.status(400).json({ error: "question is required" });
    return;
  }
  const completion = await collector.exchange(
    { operation: "chat_reply", kind: "ai_human", provider: "local", model: "local-echo-1" },
    async (ex) => ex.response(localModel(ex.request({ messages: [{ role: "user", content: question }] }))),
  );
  res.json({ answer: completion.choices[0]?.message.content });
});

app.get("/overloaded", (_req, res) => {
  res.status(429).json({ error: "try again later" });
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  console.log(
    JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}`, metrics: `${collector.url}/metrics` }),
  );
});

// Idempotent, and `on` rather than `once`: a second signal (a supervisor repeating it) must not
// kill the process halfway through its final flush.
let stopping: Promise<void> | undefined;
const stop = () => {
  stopping ??= shutDown();
  return stopping;
};
const shutDown = async () => {
  server.closeAllConnections();
  server.close();
  await collector.shutdown();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
