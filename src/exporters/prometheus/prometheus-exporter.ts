import { createHash, timingSafeEqual } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { ExporterSetup, TelemetryExporter } from "../telemetry-exporter.js";
import { acceptsOpenMetrics } from "./accepts-openmetrics.js";
import {
  CONTENT_TYPES,
  type PrometheusFormat,
  serializePrometheusToBuffer,
} from "./prometheus-serializer.js";

/** Answers one GET or HEAD request on a path the endpoint serves besides `/metrics`. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** User name and password that `Authorization: Basic` must carry (RFC 7617). */
export interface BasicAuthCredentials {
  readonly username: string;
  readonly password: string;
}

/** PEM key and certificate of the endpoint when it serves HTTPS (as `node:https` takes them). */
export interface EndpointTlsOptions {
  /** Private key, PEM. */
  readonly key: string | Buffer;
  /** Certificate chain, PEM. */
  readonly cert: string | Buffer;
}

/** Options of the Prometheus pull endpoint. */
export interface PrometheusExporterOptions {
  /** TCP port; 0 picks a free one. @default 9464 */
  port?: number;
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /** When set, requests must carry `Authorization: Bearer <token>` (compared in constant time). */
  bearerToken?: string;
  /**
   * When set, requests must carry `Authorization: Basic` with these credentials (compared in
   * constant time). With `bearerToken` too, either one is accepted.
   */
  basicAuth?: BasicAuthCredentials;
  /** Serve HTTPS with this key and certificate instead of plain HTTP. */
  tls?: EndpointTlsOptions;
  /** Longest time a request may take to arrive whole, in milliseconds (slowloris guard). @default 10000 */
  requestTimeoutMs?: number;
  /**
   * Longest time the request headers (and, with `tls`, the TLS handshake) may take, in
   * milliseconds: a client that opens a connection and trickles bytes is cut off after it.
   * @default 5000 (never more than `requestTimeoutMs`)
   */
  headersTimeoutMs?: number;
  /** Most scrapes served at once; more get 503 with `Retry-After`. @default 16 */
  maxConcurrentScrapes?: number;
  /** Most open connections; more are refused at accept time (bounds sockets a flood can hold). @default 256 */
  maxConnections?: number;
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
  const credentials = expectedCredentials(options);
  const challenge = [
    ...(options.bearerToken === undefined ? [] : ['Bearer realm="zoran-telemetrie"']),
    ...(options.basicAuth === undefined ? [] : ['Basic realm="zoran-telemetrie", charset="UTF-8"']),
  ].join(", ");
  const requestTimeoutMs = positiveMs(options.requestTimeoutMs, "requestTimeoutMs") ?? 10_000;
  const headersTimeoutMs = Math.min(
    positiveMs(options.headersTimeoutMs, "headersTimeoutMs") ?? 5_000,
    requestTimeoutMs,
  );
  const scheme = options.tls === undefined ? "http" : "https";
  // Scrapes that arrive while one is being built share its body (one collect per burst).
  const inflight = new Map<PrometheusFormat, Promise<Buffer>>();
  let activeScrapes = 0;
  let server: Server | undefined;
  let url: string | undefined;

  // Bytes, not a string: at 10,000 label sets decoding the page to a string and encoding it
  // again cost ~70 ms each (bench/scrape.bench.ts). Each page is a fresh Buffer, since a slow
  // socket may still be writing the previous one.
  function body(format: PrometheusFormat): Promise<Buffer> {
    let pending = inflight.get(format);
    if (pending === undefined) {
      pending = setup
        .collect()
        .then((snapshot) => serializePrometheusToBuffer(snapshot, { format }))
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
      const page = await body(format);
      response.writeHead(200, {
        "Content-Type": CONTENT_TYPES[format],
        "Content-Length": page.length,
        "Cache-Control": "no-store",
      });
      response.end(request.method === "HEAD" ? undefined : page);
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
    if (credentials.length > 0 && !authorized(request.headers.authorization, credentials)) {
      response
        .writeHead(401, { "WWW-Authenticate": challenge, "Content-Type": "text/plain" })
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
        // Sockets that have sent a request: an idle keep-alive socket is then Node's to close.
        const answered = new WeakSet<Socket>();
        const listener = (request: IncomingMessage, response: ServerResponse) => {
          answered.add(request.socket);
          handle(request, response).catch((error: unknown) => {
            setup.reportFailure("prometheus", error);
            if (!response.headersSent) response.writeHead(500, { "Content-Type": "text/plain" });
            response.end("internal error\n");
          });
        };
        // Node checks request and header timeouts on a timer, every 30 s by default: a slowloris
        // client would keep its socket that much past the timeout. Check at least every second.
        const serverOptions = {
          requestTimeout: requestTimeoutMs,
          headersTimeout: headersTimeoutMs,
          keepAliveTimeout: 5_000,
          connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
        };
        const created: Server =
          options.tls === undefined
            ? createHttpServer(serverOptions, listener)
            : createHttpsServer(
                {
                  ...serverOptions,
                  key: options.tls.key,
                  cert: options.tls.cert,
                  // A client that never finishes the handshake is cut off like a slow header.
                  handshakeTimeout: headersTimeoutMs,
                },
                listener,
              );
        created.maxConnections = options.maxConnections ?? 256;
        // Node's header timeout starts with the first byte: a client that connects and sends
        // nothing would hold its socket forever (measured: still open after 5 s with a 500 ms
        // timeout). Close a socket that has not sent a whole request head in time.
        created.on(options.tls === undefined ? "connection" : "secureConnection", (socket: Socket) => {
          const timer = setTimeout(() => {
            if (!answered.has(socket)) socket.destroy();
          }, headersTimeoutMs);
          timer.unref();
          socket.once("close", () => clearTimeout(timer));
        });
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
          url = `${scheme}://${shownHost}:${address.port}`;
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

/**
 * Digests of the credentials a request may present, as `scheme credentials` with the scheme in
 * lower case. Empty secrets are refused: an endpoint asked to require a secret must not open
 * for an empty one (the collector reports the error and serves nothing).
 */
function expectedCredentials(options: PrometheusExporterOptions): Buffer[] {
  const digests: Buffer[] = [];
  if (options.bearerToken !== undefined) {
    if (typeof options.bearerToken !== "string" || options.bearerToken === "") {
      throw new TypeError("zoran-telemetrie: prometheus.bearerToken must be a non-empty string");
    }
    digests.push(sha256(`bearer ${options.bearerToken}`));
  }
  if (options.basicAuth !== undefined) {
    const { username, password } = options.basicAuth;
    if (typeof username !== "string" || typeof password !== "string" || password === "") {
      throw new TypeError(
        "zoran-telemetrie: prometheus.basicAuth needs a string username and a non-empty password",
      );
    }
    if (username.includes(":")) {
      throw new TypeError("zoran-telemetrie: prometheus.basicAuth username cannot contain ':' (RFC 7617)");
    }
    digests.push(sha256(`basic ${username}:${password}`));
  }
  return digests;
}

/**
 * True when the `Authorization` header carries one of the expected credentials. The scheme is
 * matched case-insensitively (RFC 9110 §11.1); Basic credentials are compared decoded, so any
 * valid base64 spelling works. Digests of equal length are compared in constant time, and every
 * expected credential is compared, so neither the secret's length nor content nor which scheme
 * is configured changes how long a rejection takes.
 */
function authorized(header: string | undefined, expected: readonly Buffer[]): boolean {
  if (header === undefined) return false;
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(header);
  let presented = "";
  if (match !== null) {
    const scheme = match[1]!.toLowerCase();
    const value = scheme === "basic" ? Buffer.from(match[2]!, "base64").toString("utf8") : match[2]!;
    presented = `${scheme} ${value}`;
  }
  const digest = sha256(presented);
  let ok = false;
  for (const candidate of expected) ok = timingSafeEqual(digest, candidate) || ok;
  return ok;
}

function positiveMs(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new TypeError(`zoran-telemetrie: prometheus.${name} must be a positive number of milliseconds`);
  }
  return value;
}
