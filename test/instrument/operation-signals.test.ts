import { afterEach, describe, expect, it } from "vitest";
import { GoldenSignals, type Recorder, TelemetryCollector } from "zoran-telemetrie";
import { instrumentFetch } from "../../src/instrument/instrument-fetch.js";
import { ServerSignals } from "../../src/instrument/server-request.js";
import { samplesOf } from "../helpers/prometheus-samples.js";

/**
 * The HTTP adapters and `instrumentFetch` record through cached series handles when the recorder
 * has `series()`, and through `recordSignal()` otherwise or past their cache bound
 * (src/instrument/operation-signals.ts). Both paths must give the same series and counts.
 */

const collectors: TelemetryCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
});

function collector(): TelemetryCollector {
  const c = new TelemetryCollector({
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    window: false,
  });
  collectors.push(c);
  return c;
}

/** The collector as a recorder without `series()`: what a third-party Recorder may be. */
function withoutSeries(target: TelemetryCollector): Recorder {
  return new Proxy(target, {
    get(object, key) {
      if (key === "series") return undefined;
      const value = Reflect.get(object, key, object);
      return typeof value === "function" ? value.bind(object) : value;
    },
  }) as unknown as Recorder;
}

/** Counts of every zoran_ sample but the latency buckets and sum (which depend on timing). */
async function counts(c: TelemetryCollector): Promise<Record<string, number>> {
  const text = await c.export("prometheus");
  const out: Record<string, number> = {};
  for (const family of [
    "zoran_requests_total",
    "zoran_errors_total",
    "zoran_exchange_size_bytes_total",
    "zoran_latency_seconds_count",
  ]) {
    for (const sample of samplesOf(text, family)) {
      const labels = Object.entries(sample.labels)
        .filter(([k]) => !k.startsWith("otel_scope"))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      out[`${family}{${labels}}`] = sample.value;
    }
  }
  return out;
}

/** The same requests on one adapter: routes, statuses, bytes, one late response body. */
function serve(recorder: Recorder): void {
  const server = new ServerSignals(recorder, "ai_human");
  const requests: [string, string | undefined, number][] = [
    ["GET", "/users/:id", 200],
    ["GET", "/users/:id", 200],
    ["POST", "/chat", 429],
    ["POST", "/chat", 500],
    ["GET", undefined, 404],
  ];
  for (const [method, route, statusCode] of requests) {
    const request = server.start(method, {});
    request.end({ route, statusCode, requestBytes: 10, responseBytes: 100 });
    request.responseBytes(5);
  }
}

describe("HTTP signals through handles and through recordSignal()", () => {
  it("gives the same series and counts on a server adapter, with or without series()", async () => {
    const cached = collector();
    const plain = collector();
    serve(cached);
    serve(withoutSeries(plain));
    const expected = await counts(cached);
    expect(expected["zoran_requests_total{exchange=ai_human,operation=GET /users/:id,outcome=ok}"]).toBe(2);
    expect(
      expected["zoran_errors_total{error_type=rate_limited,exchange=ai_human,operation=POST /chat}"],
    ).toBe(1);
    expect(
      expected[
        "zoran_exchange_size_bytes_total{direction=output,exchange=ai_human,operation=HTTP GET unmatched}"
      ],
    ).toBe(105);
    expect(await counts(plain)).toEqual(expected);
  });

  it("keeps counting past the adapter's 512 cached routes", async () => {
    const c = collector();
    const server = new ServerSignals(c, undefined);
    for (let i = 0; i < 600; i++) server.start("GET", {}).end({ route: `/r${i}`, statusCode: 200 });
    const total = samplesOf(await c.export("prometheus"), "zoran_requests_total")
      .filter((s) => s.labels.operation?.startsWith("GET /r"))
      .reduce((sum, s) => sum + s.value, 0);
    // The default cardinality limit (2,000) holds all 600 operations.
    expect(total).toBe(600);
  });

  it("gives the same series and counts on instrumentFetch, with or without series(), and none inside trace() of its own", async () => {
    const answer = async () => new Response("x".repeat(50), { status: 200 });
    const failing = async () => new Response("slow down", { status: 429 });
    const run = async (recorder: Recorder, c: TelemetryCollector) => {
      const ok = instrumentFetch(recorder, { fetch: answer, operation: "call_b" });
      const limited = instrumentFetch(recorder, { fetch: failing, operation: "call_b" });
      await c.trace("outer", async () => {
        await (await ok("http://127.0.0.1:1/", { method: "POST", body: "q".repeat(20) })).text();
        await (await limited("http://127.0.0.1:1/")).text();
        c.recordSignal(GoldenSignals.ERROR_RATE, 0);
      });
    };
    const cached = collector();
    const plain = collector();
    await run(cached, cached);
    await run(withoutSeries(plain), plain);
    const expected = await counts(cached);
    expect(expected["zoran_requests_total{exchange=none,operation=call_b,outcome=ok}"]).toBe(1);
    expect(expected["zoran_errors_total{error_type=rate_limited,exchange=none,operation=call_b}"]).toBe(1);
    expect(expected["zoran_exchange_size_bytes_total{direction=input,exchange=none,operation=call_b}"]).toBe(
      20,
    );
    expect(expected["zoran_requests_total{exchange=none,operation=outer,outcome=ok}"]).toBe(1);
    expect(await counts(plain)).toEqual(expected);
  });
});
