import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import {
  authenticationChallenge,
  authorized,
  type BasicAuthCredentials,
  expectedCredentials,
} from "./authorization.js";
import { createHostCheck } from "./host-check.js";
import type { RouteHandler } from "./route-handler.js";

/** PEM key and certificate of the endpoint when it serves HTTPS (as `node:https` takes them). */
export interface EndpointTlsOptions {
  /** Private key, PEM. */
  readonly key: string | Buffer;
  /** Certificate chain, PEM. */
  readonly cert: string | Buffer;
}

/** Options of the HTTP endpoint (the `prometheus` options of the collector). */
export interface HttpEndpointOptions {
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
  /**
   * Host names the endpoint answers besides `localhost`, the bound address and (bound to all
   * interfaces) IP literals; `["*"]` turns the DNS-rebinding check off. Others get 421.
   * @default []
   */
  allowedHosts?: readonly string[];
  /** Longest time a request may take to arrive whole, in milliseconds (slowloris guard). @default 10000 */
  requestTimeoutMs?: number;
  /**
   * Longest time the request headers (and, with `tls`, the TLS handshake) may take, in
   * milliseconds: a client that opens a connection and trickles bytes is cut off after it.
   * @default 5000 (never more than `requestTimeoutMs`)
   */
  headersTimeoutMs?: number;
  /** Most open connections; more are refused at accept time (bounds sockets a flood can hold). @default 256 */
  maxConnections?: number;
}

/** The endpoint's server: routes registered by the exporters, the live page and the alert API. */
export interface HttpEndpoint {
  /** Base URL once listening, e.g. `http://127.0.0.1:9464`; undefined before `start()`. */
  readonly url: string | undefined;
  /** Serves `handler` for GET/HEAD on `path` (exact match, query string ignored). */
  addRoute(path: string, handler: RouteHandler): void;
  /** Listens. Rejects with an error naming the port when it is in use. */
  start(): Promise<void>;
  /** Closes the server and every connection. */
  shutdown(): Promise<void>;
}

/** Headers of every answer: no sniffing, no framing, no referrer, same-origin reads only. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/**
 * Creates the collector's one HTTP(S) server on `node:http`: GET and HEAD only, binds 127.0.0.1
 * unless told otherwise, optional bearer or Basic authentication, a `Host` check against DNS
 * rebinding, security headers, slowloris guards and a connection cap. Routes come from the
 * parts that serve something (`/metrics`, the live page, `/api/alerts`).
 */
export function createHttpEndpoint(
  options: HttpEndpointOptions,
  reportFailure: (error: unknown) => void,
): HttpEndpoint {
  const port = options.port ?? 9464;
  const host = options.host ?? "127.0.0.1";
  const routes = new Map<string, RouteHandler>();
  const credentials = expectedCredentials(options);
  const challenge = authenticationChallenge(options);
  const hostAllowed = createHostCheck(host, options.allowedHosts);
  const requestTimeoutMs = positiveMs(options.requestTimeoutMs, "requestTimeoutMs") ?? 10_000;
  const headersTimeoutMs = Math.min(
    positiveMs(options.headersTimeoutMs, "headersTimeoutMs") ?? 5_000,
    requestTimeoutMs,
  );
  const tls = checkedTls(options.tls);
  const scheme = tls === undefined ? "http" : "https";
  let server: Server | undefined;
  let url: string | undefined;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    if (!hostAllowed(request.headers.host)) {
      response
        .writeHead(421, { "Content-Type": "text/plain" })
        .end("misdirected request: this Host is not served (see prometheus.allowedHosts)\n");
      return;
    }
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
    const route = routes.get(path);
    if (route !== undefined) return route(request, response);
    response.writeHead(404, { "Content-Type": "text/plain" }).end("not found: try /metrics\n");
  }

  return {
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
            reportFailure(error);
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
        let created: Server;
        try {
          created =
            tls === undefined
              ? createHttpServer(serverOptions, listener)
              : createHttpsServer(
                  {
                    ...serverOptions,
                    key: tls.key,
                    cert: tls.cert,
                    // A client that never finishes the handshake is cut off like a slow header.
                    handshakeTimeout: headersTimeoutMs,
                  },
                  listener,
                );
        } catch (error) {
          // A key or certificate node:tls cannot read: start() fails instead of every scrape.
          reject(
            new Error(
              `zoran-telemetrie: cannot serve HTTPS with prometheus.tls: ${String((error as Error)?.message ?? error)}`,
              {
                cause: error,
              },
            ),
          );
          return;
        }
        created.maxConnections = connectionLimit(options.maxConnections);
        // Node's header timeout starts with the first byte: a client that connects and sends
        // nothing would hold its socket forever (measured: still open after 5 s with a 500 ms
        // timeout). Close a socket that has not sent a whole request head in time.
        created.on(tls === undefined ? "connection" : "secureConnection", (socket: Socket) => {
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
          created.on("error", (error) => reportFailure(error));
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

function positiveMs(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
    throw new TypeError(`zoran-telemetrie: prometheus.${name} must be a positive number of milliseconds`);
  }
  return Math.min(value, 2 ** 31 - 1);
}

/** A whole number of connections >= 1, else the default (a Symbol or NaN must not reach node:net). */
function connectionLimit(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : 256;
}

/** `tls` must carry a non-empty key and certificate, or nothing: `tls: true` is refused. */
function checkedTls(tls: unknown): EndpointTlsOptions | undefined {
  if (tls === undefined || tls === null || tls === false) return undefined;
  const { key, cert } = (typeof tls === "object" ? tls : {}) as Partial<EndpointTlsOptions>;
  const present = (v: unknown) =>
    (typeof v === "string" && v.trim() !== "") || (Buffer.isBuffer(v) && v.length > 0);
  if (!present(key) || !present(cert)) {
    throw new TypeError(
      "zoran-telemetrie: prometheus.tls needs a PEM key and cert (non-empty strings or Buffers)",
    );
  }
  return { key: key!, cert: cert! };
}
