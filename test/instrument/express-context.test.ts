import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { trace } from "@opentelemetry/api";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { expressMiddleware } from "../../src/instrument/express-middleware.js";
import { createTestCollector, type TestCollector } from "../../src/testing/create-test-collector.js";

const REMOTE_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** POSTs `body` in two writes 50 ms apart: the second part reaches the server in a later socket callback. */
function postInTwoParts(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: "POST",
        headers: {
          "content-length": Buffer.byteLength(body),
          traceparent: `00-${REMOTE_TRACE_ID}-00f067aa0ba902b7-01`,
        },
      },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
        });
        response.on("end", () => resolve(text));
      },
    );
    request.on("error", reject);
    request.write(body.slice(0, 3));
    setTimeout(() => request.end(body.slice(3)), 50);
  });
}

describe("expressMiddleware and the request's own events", () => {
  it("runs listeners the handler adds to req in the server span, on Express's own prototypes", async () => {
    const test: TestCollector = await createTestCollector({ serviceName: "express-context" });
    stops.push(() => test.shutdown());
    const app = express();
    app.use(expressMiddleware(test.collector));
    // The handler reads the body itself: `data` and `end` come from socket callbacks, outside
    // the handler's async context, on an `req` that Express moved onto `app.request`.
    app.post("/ask/:id", (req, res) => {
      const seen: (string | undefined)[] = [];
      const traceId = () => trace.getSpan(test.collector.contextManager.active())?.spanContext().traceId;
      req.on("data", () => seen.push(traceId()));
      req.once("end", () => {
        seen.push(traceId());
        res.json({ seen });
      });
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ask/7`;
    const { seen } = JSON.parse(await postInTwoParts(url, "question?")) as { seen: (string | null)[] };
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen)).toEqual(new Set([REMOTE_TRACE_ID]));
    expect(Object.hasOwn(express.request, "on")).toBe(true);
  });
});
