import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { context } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";

/** One HTTP request of a push exporter (Pushgateway, remote write). */
export interface PushRequest {
  readonly url: URL;
  readonly method: "PUT" | "POST" | "DELETE";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
  /** The whole request, connection to last byte of the answer. */
  readonly timeoutMs: number;
}

/** The receiver's answer to a push. */
export interface PushResponse {
  readonly status: number;
  /** The first 512 characters of the body (receivers explain their 400s there). */
  readonly text: string;
}

/**
 * Sends one request on a fresh connection (no keep-alive agent: a batch job that has pushed can
 * exit at once, nothing holds its event loop open) and resolves with the status, whatever it is.
 * Rejects on network errors and past `timeoutMs`.
 */
export function sendPush(push: PushRequest): Promise<PushResponse> {
  // Tracing suppressed, as OpenTelemetry's own exporters do: an app's HTTP instrumentation must
  // not turn every push into a span of the application's.
  return context.with(suppressTracing(context.active()), () => send(push));
}

function send(push: PushRequest): Promise<PushResponse> {
  return new Promise((resolve, reject) => {
    const send = push.url.protocol === "https:" ? httpsRequest : httpRequest;
    const body = push.body === undefined ? undefined : Buffer.from(push.body);
    const req = send(
      push.url,
      {
        method: push.method,
        agent: false,
        headers: {
          ...push.headers,
          ...(body === undefined ? {} : { "content-length": String(body.length) }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (text.length < 512) text += chunk;
        });
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: text.slice(0, 512) });
        });
        res.on("error", reject);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(
        new Error(
          `${push.method} ${push.url.origin}${push.url.pathname} timed out after ${push.timeoutMs} ms`,
        ),
      );
    }, push.timeoutMs);
    timer.unref();
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

/** Rejects with the receiver's explanation unless the answer is a 2xx. */
export async function expectSuccess(push: PushRequest, what: string): Promise<void> {
  const response = await sendPush(push);
  if (response.status < 200 || response.status > 299)
    throw new Error(
      `${what}: ${push.method} answered ${response.status}: ${response.text.trim().slice(0, 200)}`,
    );
}
