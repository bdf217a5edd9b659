import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import protobuf from "protobufjs";

const { loadSync } = protobuf;

/** An attribute value as the receiver decodes it. */
export type ReceivedValue = string | number | boolean | ReceivedValue[] | null;

/** One metric data point, flattened with its resource, scope and metric. */
export interface ReceivedPoint {
  readonly resource: Record<string, ReceivedValue>;
  readonly scope: string;
  readonly name: string;
  readonly unit: string;
  readonly kind: "gauge" | "sum" | "histogram" | "exponentialHistogram";
  /** 1 = delta, 2 = cumulative (OTLP enum); 0 for gauges. */
  readonly temporality: number;
  readonly isMonotonic: boolean;
  readonly attributes: Record<string, ReceivedValue>;
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  /** Gauges and sums. */
  readonly value?: number;
  /** Histograms. */
  readonly count?: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
  readonly bucketCounts?: number[];
  readonly explicitBounds?: number[];
  /** Exponential histograms. */
  readonly scale?: number;
  readonly zeroCount?: number;
  readonly zeroThreshold?: number;
  readonly positive?: { readonly offset: number; readonly bucketCounts: number[] };
  /** Exemplars of the point (ids in hex, as OTLP JSON writes them). */
  readonly exemplars?: ReceivedExemplar[];
}

/** One exemplar of a data point. */
export interface ReceivedExemplar {
  readonly traceId: string;
  readonly spanId: string;
  readonly value: number;
  readonly timeUnixNano: bigint;
}

/** One span, flattened with its resource. */
export interface ReceivedSpan {
  readonly resource: Record<string, ReceivedValue>;
  readonly scope: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  /** W3C `tracestate` of the span (empty when none). */
  readonly traceState: string;
  readonly attributes: Record<string, ReceivedValue>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

/** What the receiver saw of one HTTP request. */
export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string;
  readonly contentEncoding: string;
  readonly headers: IncomingMessage["headers"];
  /** Status the receiver answered with. */
  readonly status: number;
}

/** A canned answer for the next requests, to test retries (`503` + `Retry-After`). */
export interface FailureScript {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** How many requests get this answer. */
  readonly times: number;
}

/**
 * A real OTLP/HTTP receiver for tests: `node:http` on 127.0.0.1, `POST /v1/metrics` and
 * `/v1/traces`, JSON or protobuf bodies, gzip or not. It keeps every data point and span it
 * accepted, and can be stopped and started again on the same port to simulate an outage.
 */
export class OtlpReceiver {
  readonly points: ReceivedPoint[] = [];
  readonly spans: ReceivedSpan[] = [];
  readonly requests: ReceivedRequest[] = [];
  #server: Server | undefined;
  #port = 0;
  #failures: { status: number; headers: Record<string, string>; left: number } | undefined;

  /** Listens on 127.0.0.1 (the port of the previous run when restarted, else a free one). */
  async start(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Closes the socket and every open connection: from now on clients get ECONNREFUSED. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Base URL, e.g. `http://127.0.0.1:43123`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Answers the next `times` requests with `status` (and headers) instead of accepting them. */
  failNext(script: FailureScript): void {
    this.#failures = { status: script.status, headers: script.headers ?? {}, left: script.times };
  }

  /** The newest point of metric `name` whose attributes include `attributes`. */
  latest(name: string, attributes: Record<string, ReceivedValue> = {}): ReceivedPoint | undefined {
    for (let i = this.points.length - 1; i >= 0; i--) {
      const p = this.points[i]!;
      if (p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v)) return p;
    }
    return undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "";
    const contentType = String(req.headers["content-type"] ?? "");
    const contentEncoding = String(req.headers["content-encoding"] ?? "");
    const record = (status: number) =>
      this.requests.push({ path, contentType, contentEncoding, headers: req.headers, status });
    if (this.#failures && this.#failures.left > 0) {
      this.#failures.left--;
      record(this.#failures.status);
      res.writeHead(this.#failures.status, this.#failures.headers).end();
      return;
    }
    try {
      if (req.method !== "POST") throw new Error(`method ${req.method}`);
      let body = Buffer.concat(chunks);
      if (contentEncoding === "gzip") body = gunzipSync(body);
      const json = contentType.startsWith("application/json");
      if (!json && !contentType.startsWith("application/x-protobuf")) throw new Error(`type ${contentType}`);
      if (path === "/v1/metrics") {
        this.points.push(
          ...(json ? decodeMetricsJson(JSON.parse(body.toString("utf8"))) : decodeMetricsProto(body)),
        );
      } else if (path === "/v1/traces") {
        this.spans.push(
          ...(json ? decodeTracesJson(JSON.parse(body.toString("utf8"))) : decodeTracesProto(body)),
        );
      } else {
        throw new Error(`path ${path}`);
      }
      record(200);
      // An empty ExportServiceResponse in the request's encoding.
      if (json) res.writeHead(200, { "content-type": "application/json" }).end("{}");
      else res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    } catch (error) {
      record(400);
      res.writeHead(400, { "content-type": "text/plain" }).end(String(error));
    }
  }
}

/** Starts a receiver on a free port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const receiver = new OtlpReceiver();
  await receiver.start();
  return receiver;
}

/** Polls `predicate` every 20 ms until it holds, or throws after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 5_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------- OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) ----------

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const num = (v: unknown): number => (v === undefined || v === null ? 0 : Number(v));
const optNum = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));

function jsonValue(v: Json | undefined): ReceivedValue {
  if (!v) return null;
  if ("stringValue" in v) return String(v.stringValue);
  if ("boolValue" in v) return Boolean(v.boolValue);
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("arrayValue" in v) return arr((v.arrayValue as Json).values).map(jsonValue);
  return null;
}

function jsonAttributes(list: unknown): Record<string, ReceivedValue> {
  const out: Record<string, ReceivedValue> = {};
  for (const kv of arr(list)) out[String(kv.key)] = jsonValue(kv.value as Json | undefined);
  return out;
}

function decodeMetricsJson(request: Json): ReceivedPoint[] {
  const out: ReceivedPoint[] = [];
  for (const rm of arr(request.resourceMetrics)) {
    const resource = jsonAttributes((rm.resource as Json | undefined)?.attributes);
    for (const sm of arr(rm.scopeMetrics)) {
      const scope = String((sm.scope as Json | undefined)?.name ?? "");
      for (const m of arr(sm.metrics)) {
        const base = { resource, scope, name: String(m.name), unit: String(m.unit ?? "") };
        const data = (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram) as Json | undefined;
        const kind = m.gauge
          ? "gauge"
          : m.sum
            ? "sum"
            : m.histogram
              ? "histogram"
              : m.exponentialHistogram
                ? "exponentialHistogram"
                : undefined;
        if (!data || !kind) continue;
        for (const p of arr(data.dataPoints)) {
          const common = {
            ...base,
            kind,
            temporality: num(data.aggregationTemporality),
            isMonotonic: Boolean(data.isMonotonic),
            attributes: jsonAttributes(p.attributes),
            startTimeUnixNano: BigInt(String(p.startTimeUnixNano ?? 0)),
            timeUnixNano: BigInt(String(p.timeUnixNano ?? 0)),
            ...(p.exemplars === undefined ? {} : { exemplars: arr(p.exemplars).map(jsonExemplar) }),
          } as const;
          if (kind === "exponentialHistogram") {
            const positive = (p.positive ?? {}) as Json;
            out.push({
              ...common,
              count: num(p.count),
              sum: num(p.sum),
              min: optNum(p.min),
              max: optNum(p.max),
              scale: num(p.scale),
              zeroCount: num(p.zeroCount),
              zeroThreshold: num(p.zeroThreshold),
              positive: {
                offset: num(positive.offset),
                bucketCounts: (positive.bucketCounts as unknown[] | undefined)?.map(Number) ?? [],
              },
            });
          } else if (kind === "histogram") {
            out.push({
              ...common,
              count: num(p.count),
              sum: num(p.sum),
              min: optNum(p.min),
              max: optNum(p.max),
              bucketCounts: (p.bucketCounts as unknown[] | undefined)?.map(Number) ?? [],
              explicitBounds: (p.explicitBounds as unknown[] | undefined)?.map(Number) ?? [],
            });
          } else {
            out.push({ ...common, value: p.asDouble !== undefined ? num(p.asDouble) : num(p.asInt) });
          }
        }
      }
    }
  }
  return out;
}

function jsonExemplar(e: Json): ReceivedExemplar {
  return {
    traceId: String(e.traceId ?? ""),
    spanId: String(e.spanId ?? ""),
    value: e.asDouble !== undefined ? num(e.asDouble) : num(e.asInt),
    timeUnixNano: BigInt(String(e.timeUnixNano ?? 0)),
  };
}

function decodeTracesJson(request: Json): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of arr(request.resourceSpans)) {
    const resource = jsonAttributes((rs.resource as Json | undefined)?.attributes);
    for (const ss of arr(rs.scopeSpans)) {
      const scope = String((ss.scope as Json | undefined)?.name ?? "");
      for (const s of arr(ss.spans)) {
        out.push({
          resource,
          scope,
          name: String(s.name),
          traceId: String(s.traceId ?? ""),
          spanId: String(s.spanId ?? ""),
          parentSpanId: String(s.parentSpanId ?? ""),
          traceState: String(s.traceState ?? ""),
          attributes: jsonAttributes(s.attributes),
          statusCode: num((s.status as Json | undefined)?.code),
        });
      }
    }
  }
  return out;
}

// ---------- OTLP/protobuf (field numbers from opentelemetry-proto v1) ----------

// OTLP protobuf bodies are decoded by protobufjs with the OTLP schema (the subset the tests
// need, field numbers of opentelemetry-proto: test/fixtures/otlp/otlp-subset.proto), then read
// by the same code as OTLP JSON: protobufjs's toObject() yields the JSON mapping's camelCase
// field names; 64-bit integers become decimal strings and ids are turned into hex as in OTLP JSON.
const otlpRoot = loadSync(fileURLToPath(new URL("../fixtures/otlp/otlp-subset.proto", import.meta.url)));
const METRICS_REQUEST = otlpRoot.lookupType("otlp.subset.ExportMetricsServiceRequest");
const TRACES_REQUEST = otlpRoot.lookupType("otlp.subset.ExportTraceServiceRequest");
const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: false, oneofs: false } as const;
const decoder = new TextDecoder();

function decodeMetricsProto(body: Uint8Array): ReceivedPoint[] {
  const request = METRICS_REQUEST.toObject(METRICS_REQUEST.decode(body), TO_OBJECT) as Json;
  // Exemplar ids come out base64, as span ids do; OTLP JSON writes them in hex.
  for (const rm of arr(request.resourceMetrics)) {
    for (const sm of arr(rm.scopeMetrics)) {
      for (const m of arr(sm.metrics)) {
        const data = (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram) as Json | undefined;
        for (const p of arr(data?.dataPoints)) {
          for (const e of arr(p.exemplars)) {
            e.traceId = hexOfBase64(e.traceId);
            e.spanId = hexOfBase64(e.spanId);
          }
        }
      }
    }
  }
  return decodeMetricsJson(request);
}

function hexOfBase64(value: unknown): string {
  return typeof value === "string" ? Buffer.from(value, "base64").toString("hex") : "";
}

function decodeTracesProto(body: Uint8Array): ReceivedSpan[] {
  const request = TRACES_REQUEST.toObject(TRACES_REQUEST.decode(body), TO_OBJECT) as Json;
  // Bytes come out base64; OTLP JSON writes trace and span ids in hex.
  const hexOf = (value: unknown) =>
    typeof value === "string" ? Buffer.from(value, "base64").toString("hex") : "";
  for (const rs of arr(request.resourceSpans)) {
    for (const ss of arr(rs.scopeSpans)) {
      for (const span of arr(ss.spans)) {
        span.traceId = hexOf(span.traceId);
        span.spanId = hexOf(span.spanId);
        span.parentSpanId = hexOf(span.parentSpanId);
      }
    }
  }
  return decodeTracesJson(request);
}

/** Decodes an OTLP metrics request body (for tests of the decoder itself). */
export function decodeMetricsRequest(body: Uint8Array, encoding: "json" | "protobuf"): ReceivedPoint[] {
  return encoding === "json" ? decodeMetricsJson(JSON.parse(decoder.decode(body))) : decodeMetricsProto(body);
}
