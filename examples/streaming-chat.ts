// A streaming chat handler on plain node:http: the reply is sent as Server-Sent Events while the
// exchange records its time to first chunk, its token usage (read from the stream's own usage
// events) and its outcome. The "model" is a local generator shaped like the Anthropic Messages
// streaming API, so the example runs offline.
// Run: npx tsx examples/streaming-chat.ts   (PORT, METRICS_PORT: 0 picks free ports)
// Then: curl -N -X POST localhost:3000/chat/stream -d '{"question":"Tell me about Lyon"}'
import { createServer } from "node:http";
import { createHttpListener, TelemetryCollector } from "zoran-telemetrie";

const collector = new TelemetryCollector({
  serviceName: "streaming-chat",
  exporter: "prometheus",
  port: Number(process.env.METRICS_PORT ?? 9464),
});
await collector.start();

/** A stand-in for a streaming model: Anthropic-style events, one word per delta, usage at start and end. */
async function* localModelStream(question: string) {
  const inputTokens = question.split(/\s+/).filter(Boolean).length;
  const words = ["Lyon", "sits", "where", "the", "Rhône", "meets", "the", "Saône."];
  yield {
    type: "message_start",
    message: { model: "local-stream-1", usage: { input_tokens: inputTokens, output_tokens: 1 } },
  };
  for (const [index, word] of words.entries()) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    yield {
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: index === 0 ? word : ` ${word}` },
    };
  }
  yield { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: words.length } };
  yield { type: "message_stop" };
}

const server = createServer(
  createHttpListener(
    collector,
    async (req, res) => {
      if (req.method !== "POST" || req.url !== "/chat/stream") {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const question = String(
        (JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { question?: unknown }).question ?? "",
      );
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      await collector.exchange(
        { operation: "stream_chat", kind: "ai_human", provider: "local", model: "local-stream-1" },
        async (ex) => {
          ex.request({ question });
          for await (const event of ex.stream(localModelStream(question))) {
            if (res.destroyed) break; // the user closed the tab: stop generating
            if (event.type === "content_block_delta")
              res.write(`data: ${JSON.stringify({ text: event.delta?.text })}\n\n`);
          }
          res.end(`data: ${JSON.stringify({ done: true, usage: ex.tokenUsage })}\n\n`);
        },
      );
    },
    { exchange: "ai_human", route: (req) => (req.url === "/chat/stream" ? "/chat/stream" : undefined) },
  ),
);

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
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
