import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
// The official OTLP package's own protobuf wire reader (it reads export responses with it). No
// request decoder ships with otlp-transformer 0.223 and protobufjs is not installed, so the
// OTLP message layout is walked below with the field numbers of opentelemetry-proto; the
// receiver test checks this walk against the official protobuf and JSON serializers.
import { ProtobufReader } from "@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-reader.js";

/** An attribute value as the receiver decodes it. */
export type ReceivedValue = string | number | boolean | ReceivedValue[] | null;

/** One metric data point, flattened with its resource, scope and metric. */
export interface ReceivedPoint {
  readonly resource: Record<string, ReceivedValue>;
  readonly scope: string;
  readonly name: string;
  readonly unit: string;
  readonly kind: "gauge" | "sum" | "histogram";
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
}

/** One span, flattened with its resource. */
export interface ReceivedSpan {
  readonly resource: Record<string, ReceivedValue>;
  readonly scope: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
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
        const data = (m.gauge ?? m.sum ?? m.histogram) as Json | undefined;
        const kind = m.gauge ? "gauge" : m.sum ? "sum" : m.histogram ? "histogram" : undefined;
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
          } as const;
          if (kind === "histogram") {
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
          attributes: jsonAttributes(s.attributes),
          statusCode: num((s.status as Json | undefined)?.code),
        });
      }
    }
  }
  return out;
}

// ---------- OTLP/protobuf (field numbers from opentelemetry-proto v1) ----------

const WIRE_VARINT = 0;
const WIRE_64BIT = 1;
const WIRE_LEN = 2;

/** Every field of a message, grouped by number: the raw bytes of LEN fields, the numbers of the others. */
interface Fields {
  readonly bytes: Map<number, Uint8Array[]>;
  readonly varints: Map<number, number[]>;
  readonly fixed64: Map<number, DataView[]>;
}

function readFields(buf: Uint8Array): Fields {
  const reader = new ProtobufReader(buf);
  const fields: Fields = { bytes: new Map(), varints: new Map(), fixed64: new Map() };
  const push = <T>(map: Map<number, T[]>, key: number, value: T) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  while (!reader.isAtEnd()) {
    const { fieldNumber, wireType } = reader.readTag();
    if (wireType === WIRE_LEN) push(fields.bytes, fieldNumber, reader.readBytes());
    else if (wireType === WIRE_VARINT) push(fields.varints, fieldNumber, reader.readVarint());
    else if (wireType === WIRE_64BIT) {
      push(fields.fixed64, fieldNumber, new DataView(buf.buffer, buf.byteOffset + reader.pos, 8));
      reader.skip(wireType);
    } else reader.skip(wireType);
  }
  return fields;
}

const decoder = new TextDecoder();
const messages = (f: Fields, n: number) => (f.bytes.get(n) ?? []).map(readFields);
const text = (f: Fields, n: number) => decoder.decode(f.bytes.get(n)?.[0] ?? new Uint8Array());
const varint = (f: Fields, n: number) => f.varints.get(n)?.[0] ?? 0;
const double = (f: Fields, n: number) => f.fixed64.get(n)?.[0]?.getFloat64(0, true);
const fixed64 = (f: Fields, n: number) => f.fixed64.get(n)?.[0]?.getBigUint64(0, true) ?? 0n;
const hex = (f: Fields, n: number) => Buffer.from(f.bytes.get(n)?.[0] ?? new Uint8Array()).toString("hex");

/** Packed `repeated fixed64`/`double` (or, unpacked, one 64-bit field per element). */
function packed64<T>(f: Fields, n: number, read: (view: DataView, at: number) => T): T[] {
  const out: T[] = [];
  for (const chunk of f.bytes.get(n) ?? []) {
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = 0; at + 8 <= chunk.byteLength; at += 8) out.push(read(view, at));
  }
  for (const view of f.fixed64.get(n) ?? []) out.push(read(view, 0));
  return out;
}

/** AnyValue: 1 string, 2 bool, 3 int, 4 double, 5 array. */
function protoValue(f: Fields): ReceivedValue {
  if (f.bytes.has(1)) return text(f, 1);
  if (f.varints.has(2)) return varint(f, 2) !== 0;
  if (f.varints.has(3)) return varint(f, 3);
  if (f.fixed64.has(4)) return double(f, 4) ?? null;
  if (f.bytes.has(5)) return messages(readFields(f.bytes.get(5)![0]!), 1).map(protoValue);
  return null;
}

/** repeated KeyValue: 1 key, 2 value. */
function protoAttributes(list: Fields[]): Record<string, ReceivedValue> {
  const out: Record<string, ReceivedValue> = {};
  for (const kv of list) out[text(kv, 1)] = protoValue(messages(kv, 2)[0] ?? readFields(new Uint8Array()));
  return out;
}

function decodeMetricsProto(body: Uint8Array): ReceivedPoint[] {
  const out: ReceivedPoint[] = [];
  // ExportMetricsServiceRequest.resource_metrics = 1
  for (const rm of messages(readFields(body), 1)) {
    // ResourceMetrics: 1 resource (Resource: 1 attributes), 2 scope_metrics
    const resource = protoAttributes(messages(messages(rm, 1)[0] ?? readFields(new Uint8Array()), 1));
    for (const sm of messages(rm, 2)) {
      // ScopeMetrics: 1 scope (InstrumentationScope: 1 name), 2 metrics
      const scopeFields = messages(sm, 1)[0];
      const scope = scopeFields ? text(scopeFields, 1) : "";
      for (const m of messages(sm, 2)) {
        // Metric: 1 name, 3 unit, 5 gauge, 7 sum, 9 histogram
        const base = { resource, scope, name: text(m, 1), unit: text(m, 3) };
        const [kind, data] = m.bytes.has(5)
          ? (["gauge", messages(m, 5)[0]!] as const)
          : m.bytes.has(7)
            ? (["sum", messages(m, 7)[0]!] as const)
            : m.bytes.has(9)
              ? (["histogram", messages(m, 9)[0]!] as const)
              : ([undefined, undefined] as const);
        if (!kind) continue;
        // Gauge/Sum/Histogram: 1 data_points, 2 aggregation_temporality; Sum: 3 is_monotonic
        for (const p of messages(data, 1)) {
          if (kind === "histogram") {
            // HistogramDataPoint: 9 attributes, 2 start, 3 time, 4 count, 5 sum, 6 bucket_counts, 7 explicit_bounds, 11 min, 12 max
            out.push({
              ...base,
              kind,
              temporality: varint(data, 2),
              isMonotonic: false,
              attributes: protoAttributes(messages(p, 9)),
              startTimeUnixNano: fixed64(p, 2),
              timeUnixNano: fixed64(p, 3),
              count: Number(fixed64(p, 4)),
              sum: double(p, 5) ?? 0,
              min: double(p, 11),
              max: double(p, 12),
              bucketCounts: packed64(p, 6, (v, at) => Number(v.getBigUint64(at, true))),
              explicitBounds: packed64(p, 7, (v, at) => v.getFloat64(at, true)),
            });
          } else {
            // NumberDataPoint: 7 attributes, 2 start, 3 time, 4 as_double, 6 as_int (sfixed64)
            const asInt = p.fixed64.get(6)?.[0]?.getBigInt64(0, true);
            out.push({
              ...base,
              kind,
              temporality: varint(data, 2),
              isMonotonic: varint(data, 3) !== 0,
              attributes: protoAttributes(messages(p, 7)),
              startTimeUnixNano: fixed64(p, 2),
              timeUnixNano: fixed64(p, 3),
              value: asInt !== undefined ? Number(asInt) : (double(p, 4) ?? 0),
            });
          }
        }
      }
    }
  }
  return out;
}

function decodeTracesProto(body: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  // ExportTraceServiceRequest.resource_spans = 1; ResourceSpans: 1 resource, 2 scope_spans
  for (const rs of messages(readFields(body), 1)) {
    const resource = protoAttributes(messages(messages(rs, 1)[0] ?? readFields(new Uint8Array()), 1));
    for (const ss of messages(rs, 2)) {
      // ScopeSpans: 1 scope, 2 spans
      const scopeFields = messages(ss, 1)[0];
      const scope = scopeFields ? text(scopeFields, 1) : "";
      for (const s of messages(ss, 2)) {
        // Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 9 attributes, 15 status (3 code)
        const status = messages(s, 15)[0];
        out.push({
          resource,
          scope,
          name: text(s, 5),
          traceId: hex(s, 1),
          spanId: hex(s, 2),
          parentSpanId: hex(s, 4),
          attributes: protoAttributes(messages(s, 9)),
          statusCode: status ? varint(status, 3) : 0,
        });
      }
    }
  }
  return out;
}

/** Decodes an OTLP metrics request body (for tests of the decoder itself). */
export function decodeMetricsRequest(body: Uint8Array, encoding: "json" | "protobuf"): ReceivedPoint[] {
  return encoding === "json" ? decodeMetricsJson(JSON.parse(decoder.decode(body))) : decodeMetricsProto(body);
}
