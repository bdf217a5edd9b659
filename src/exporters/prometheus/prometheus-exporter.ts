import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ExporterSetup, TelemetryExporter } from "../telemetry-exporter.js";
import { acceptsOpenMetrics } from "./accepts-openmetrics.js";
import { CONTENT_TYPES, type PrometheusFormat, serializePrometheus } from "./prometheus-serializer.js";

/** Answers one GET or HEAD request on a path the endpoint serves besides `/metrics`. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** Options of the Prometheus pull endpoint. */
export interface PrometheusExporterOptions {
  /** TCP port; 0 picks a free one. @default 9464 */
  port?: number;
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Longest time a request may take to arrive whole, in milliseconds (slowloris guard). @default 10000 */
  requestTimeoutMs?: number;
  /** Most scrapes served at once; more get 503 with `Retry-After`. @default 16 */
  maxConcurrentScrapes?: number;
}

/** The Prometheus endpoint: a {@link TelemetryExporter} plus its address and extra routes. */
export interface PrometheusExporter extends TelemetryExporter {
  /** Base URL once listening, e.g. `http://127.0.0.1:9464`; undefined before `start()`. */
  readonly url: string | undefined;
  /** Serves `handler` for GET/HEAD on `path` (exact match, query string ignored). */
  addRoute(path: string, handler: RouteHandler): void;
}

/**
 * Creates the Prometheus pull endpoint on `node:http`: `GET /metrics` in text format 0.0.4, or
 * OpenMetrics 1.0.0 when the `Accept` header asks for it. GET and HEAD only; binds 127.0.0.1
 * unless told otherwise; a port in use makes `start()` reject with an error naming it.
 */
export function createPrometheusExporter(
  setup: ExporterSetup,
  options: PrometheusExporterOptions = {},
): PrometheusExporter {
  const port = options.port ?? 9464;
  const host = options.host ?? "127.0.0.1";
  const maxScrapes = options.maxConcurrentScrapes ?? 16;
  const routes = new Map<string, RouteHandler>();
  const expectedAuth =
    options.bearerToken === undefined ? undefined : sha256(`Bearer ${options.bearerToken}`);
  // Scrapes that arrive while one is being built share its body (one collect per burst).
  const inflight = new Map<PrometheusFormat, Promise<string>>();
  let activeScrapes = 0;
  let server: Server | undefined;
  let url: string | undefined;

  function body(format: PrometheusFormat): Promise<string> {
    let pending = inflight.get(format);
    if (pending === undefined) {
      pending = setup
        .collect()
        .then((snapshot) => serializePrometheus(snapshot, { format }))
        .finally(() => inflight.delete(format));
      inflight.set(format, pending);
    }
    return pending;
  }

  async function serveMetrics(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (activeScrapes >= maxScrapes) {
      response.writeHead(503, { "Retry-After": "1", "Content-Type": "text/plain" }).end("too many scrapes\n");
      return;
    }
    activeScrapes++;
    try {
      const format: PrometheusFormat = acceptsOpenMetrics(request.headers.accept) ? "openmetrics" : "text";
      const text = await body(format);
      response.writeHead(200, {
        "Content-Type": CONTENT_TYPES[format],
        "Content-Length": Buffer.byteLength(text),
        "Cache-Control": "no-store",
      });
      response.end(request.method === "HEAD" ? undefined : text);
    } finally {
      activeScrapes--;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader("X-Content-Type-Options", "nosniff");
    if (request.method !== "GET" && request.method !== "HEAD") {
      response
        .writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain" })
        .end("method not allowed\n");
      return;
    }
    if (expectedAuth !== undefined && !authorized(request.headers.authorization, expectedAuth)) {
      response
        .writeHead(401, {
          "WWW-Authenticate": 'Bearer realm="zoran-telemetrie"',
          "Content-Type": "text/plain",
        })
        .end("unauthorized\n");
      return;
    }
    const path = (request.url ?? "/").split("?")[0]!;
    if (path === "/metrics") return serveMetrics(request, response);
    const route = routes.get(path);
    if (route !== undefined) return route(request, response);
    response.writeHead(404, { "Content-Type": "text/plain" }).end("not found: try /metrics\n");
  }

  return {
    name: "prometheus",
    get url() {
      return url;
    },
    addRoute(path, handler) {
      routes.set(path, handler);
    },
    start() {
      return new Promise<void>((resolve, reject) => {
        const created = createServer((request, response) => {
          handle(request, response).catch((error: unknown) => {
            setup.reportFailure("prometheus", error);
            if (!response.headersSent) response.writeHead(500, { "Content-Type": "text/plain" });
            response.end("internal error\n");
          });
        });
        created.requestTimeout = options.requestTimeoutMs ?? 10_000;
        created.headersTimeout = Math.min(created.requestTimeout, 5_000);
        created.keepAliveTimeout = 5_000;
        created.once("error", (error: NodeJS.ErrnoException) => {
          created.close();
          reject(
            error.code === "EADDRINUSE"
              ? new Error(
                  `zoran-telemetrie: cannot serve /metrics: port ${port} on ${host} is already in use (EADDRINUSE). Pass another { port } or set OTEL_EXPORTER_PROMETHEUS_PORT.`,
                  { cause: error },
                )
              : new Error(`zoran-telemetrie: cannot listen on ${host}:${port}: ${error.message}`, {
                  cause: error,
                }),
          );
        });
        created.listen({ port, host }, () => {
          const address = created.address() as AddressInfo;
          const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
          url = `http://${shownHost}:${address.port}`;
          server = created;
          created.on("error", (error) => setup.reportFailure("prometheus", error));
          resolve();
        });
      });
    },
    shutdown() {
      const closing = server;
      server = undefined;
      url = undefined;
      if (closing === undefined) return Promise.resolve();
      return new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },
  };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

// Compares digests of equal length in constant time: the token's length and content never
// change how long a rejection takes.
function authorized(header: string | undefined, expected: Buffer): boolean {
  return header !== undefined && timingSafeEqual(sha256(header), expected);
}
