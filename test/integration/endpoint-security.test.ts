import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DiagLogger } from "@opentelemetry/api";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import type { TelemetryCollectorOptions } from "../../src/collector/collector-options.js";
import { sumOf } from "../helpers/prometheus-samples.js";
import { requireBinary } from "../helpers/require-binary.js";

/**
 * The Prometheus endpoint as an attacker on the same host sees it: methods other than GET/HEAD,
 * missing or wrong credentials, slow clients holding sockets, bursts of scrapes, floods of
 * connections; and HTTPS when a key and certificate are given.
 */

const collectors: TelemetryCollector[] = [];
async function started(options: TelemetryCollectorOptions = {}): Promise<TelemetryCollector> {
  const collector = new TelemetryCollector({
    exporter: "prometheus",
    port: 0,
    saturation: false,
    runtimeMetrics: false,
    window: false,
    ...options,
  });
  collectors.push(collector);
  await collector.start();
  collector.recordSignal(GoldenSignals.TRAFFIC, 5, { operation: "secured" });
  return collector;
}
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
});

function recordingDiag(): DiagLogger & { errors: string[] } {
  const errors: string[] = [];
  const none = () => undefined;
  return {
    errors,
    error: (message: string) => void errors.push(message),
    warn: none,
    info: none,
    debug: none,
    verbose: none,
  };
}

/** One raw HTTP/1.1 request with node:http (fetch refuses TRACE and CONNECT). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/metrics`, { method: options.method ?? "GET", headers: options.headers });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** Resolves with the milliseconds until the server closes `socket` (or rejects after `limitMs`). */
function closedWithin(socket: Socket, limitMs: number): Promise<number> {
  const begin = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${limitMs} ms`)), limitMs);
    socket.on("error", () => undefined);
    // Read what the server sends, so its FIN is seen: a paused socket never emits close.
    socket.resume();
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - begin);
    });
  });
}

function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("Prometheus endpoint security", () => {
  it("binds 127.0.0.1 when no host is given", async () => {
    const collector = await started();
    expect(collector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("answers every method but GET and HEAD with 405 and an Allow header, serving nothing", async () => {
    const collector = await started();
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]) {
      const response = await send(collector.url!, { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.allow, method).toBe("GET, HEAD");
      expect(response.body, method).not.toContain("zoran_");
    }
    const head = await send(collector.url!, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(sumOf((await send(collector.url!)).body, "zoran_exchange_size_bytes_total")).toBe(5);
  });

  it("requires the bearer token when one is set, with any case of the scheme", async () => {
    const collector = await started({ prometheus: { bearerToken: "s3cret-token" } });
    const url = collector.url!;
    const refused: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token" },
      { authorization: "Bearer s3cret-token-longer" },
      { authorization: "Bearer s3cret" },
      { authorization: "Basic czNjcmV0LXRva2Vu" },
      { authorization: "s3cret-token" },
      { authorization: "Bearer  " },
    ];
    for (const headers of refused) {
      const response = await send(url, { headers });
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="zoran-telemetrie"');
      expect(response.body).not.toContain("zoran_");
    }
    for (const authorization of ["Bearer s3cret-token", "bearer s3cret-token"]) {
      const response = await send(url, { headers: { authorization } });
      expect(response.status, authorization).toBe(200);
      expect(sumOf(response.body, "zoran_exchange_size_bytes_total")).toBe(5);
    }
  });

  it("requires basic auth when set, and accepts either credential when both are set", async () => {
    const basic = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    const collector = await started({
      prometheus: { basicAuth: { username: "prometheus", password: "pässword:with colon" } },
    });
    expect((await send(collector.url!)).headers["www-authenticate"]).toBe(
      'Basic realm="zoran-telemetrie", charset="UTF-8"',
    );
    for (const authorization of [
      basic("prometheus", "wrong"),
      basic("other", "pässword:with colon"),
      basic("prometheus", "pässword:with colo"),
      "Bearer pässword:with colon",
      "Basic !!!not-base64!!!",
    ]) {
      expect((await send(collector.url!, { headers: { authorization } })).status, authorization).toBe(401);
    }
    const ok = await send(collector.url!, {
      headers: { authorization: basic("prometheus", "pässword:with colon") },
    });
    expect(ok.status).toBe(200);

    const both = await started({
      prometheus: { bearerToken: "tok-123456", basicAuth: { username: "u", password: "p" } },
    });
    expect((await send(both.url!, { headers: { authorization: "Bearer tok-123456" } })).status).toBe(200);
    expect((await send(both.url!, { headers: { authorization: basic("u", "p") } })).status).toBe(200);
    expect((await send(both.url!, { headers: { authorization: basic("u", "tok-123456") } })).status).toBe(
      401,
    );
  });

  it("serves nothing, and says why, when asked for auth with an empty secret: start() rejects", async () => {
    for (const prometheus of [{ bearerToken: "" }, { basicAuth: { username: "u", password: "" } }]) {
      const diag = recordingDiag();
      await expect(started({ prometheus, diag })).rejects.toThrow(/bearerToken|basicAuth/);
      expect(collectors.at(-1)!.url).toBeUndefined();
      expect(diag.errors.join("\n")).toMatch(/prometheus exporter failed: .*(bearerToken|basicAuth)/);
    }
  });

  it("cuts off a slowloris client that trickles headers, and keeps serving others meanwhile", async () => {
    const collector = await started({ prometheus: { headersTimeoutMs: 600, requestTimeoutMs: 1_500 } });
    const url = collector.url!;
    const sockets = await Promise.all(Array.from({ length: 10 }, () => openSocket(url)));
    const closes = sockets.map((socket) => closedWithin(socket, 5_000));
    for (const socket of sockets) socket.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    // One more header line every 100 ms, never the blank line that ends the headers.
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write("X-Slow: 1\r\n");
    }, 100);
    try {
      expect((await send(url)).status).toBe(200);
      const heldMs = await Promise.all(closes);
      // Timeout 600 ms, checked every 600 ms by Node: closed well before Node's default 30 s check.
      expect(Math.max(...heldMs)).toBeLessThan(3_000);
    } finally {
      clearInterval(trickle);
    }
  });

  it("closes a connection that never sends a request", async () => {
    const collector = await started({ prometheus: { headersTimeoutMs: 500, requestTimeoutMs: 1_000 } });
    const socket = await openSocket(collector.url!);
    expect(await closedWithin(socket, 5_000)).toBeLessThan(3_000);
  });

  it("cuts off a client that sends its body too slowly (request timeout)", async () => {
    const collector = await started({ prometheus: { headersTimeoutMs: 500, requestTimeoutMs: 1_000 } });
    const socket = await openSocket(collector.url!);
    const closed = closedWithin(socket, 6_000);
    // Headers complete, then a body announced but trickled: the whole request must arrive in 1 s.
    socket.write("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    const trickle = setInterval(() => !socket.destroyed && socket.write("a"), 100);
    try {
      expect(await closed).toBeLessThan(4_000);
    } finally {
      clearInterval(trickle);
    }
  });

  it("refuses oversized headers with 431", async () => {
    const collector = await started();
    const response = await send(collector.url!, { headers: { "x-big": "a".repeat(64 * 1024) } });
    expect(response.status).toBe(431);
  });

  it("serves at most maxConcurrentScrapes at once; the rest get 503 with Retry-After", async () => {
    const collector = await started({ prometheus: { maxConcurrentScrapes: 2 } });
    // A slow observable callback of the app holds every collection until released.
    let release: () => void = () => undefined;
    let holding = false;
    collector.meter.createObservableGauge("app.slow").addCallback(async (result) => {
      if (holding) await new Promise<void>((resolve) => (release = resolve));
      result.observe(1);
    });
    holding = true;
    const pending = Array.from({ length: 6 }, () => send(collector.url!));
    // Poll until the refused ones have answered; the accepted ones are still held.
    const settled: { status: number; retryAfter: unknown }[] = [];
    for (const p of pending)
      p.then((r) => settled.push({ status: r.status, retryAfter: r.headers["retry-after"] }));
    for (let i = 0; i < 100 && settled.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
    expect(settled).toEqual(Array.from({ length: 4 }, () => ({ status: 503, retryAfter: "1" })));
    holding = false;
    release();
    const statuses = (await Promise.all(pending)).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503, 503, 503]);
    expect((await send(collector.url!)).status).toBe(200);
  });

  it("refuses connections past maxConnections and serves again once they close", async () => {
    const collector = await started({ prometheus: { maxConnections: 4 } });
    const held = await Promise.all(Array.from({ length: 4 }, () => openSocket(collector.url!)));
    const extra = await openSocket(collector.url!);
    // The kernel accepts it, Node closes it at once.
    expect(await closedWithin(extra, 3_000)).toBeLessThan(3_000);
    for (const socket of held) socket.destroy();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await send(collector.url!).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(200);
  });
});

const openssl = requireBinary("openssl");

describe.skipIf(!openssl)("Prometheus endpoint over TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), "zoran-tls-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves /metrics over HTTPS with the given key and certificate, and no plain HTTP", async () => {
    const keyPath = join(dir, "key.pem");
    const certPath = join(dir, "cert.pem");
    // biome-ignore format: one openssl argument per line reads better
    execFileSync(openssl!, [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1",
    ], { stdio: "ignore" });
    const cert = readFileSync(certPath);
    const collector = await started({
      prometheus: { tls: { key: readFileSync(keyPath), cert }, bearerToken: "tls-token-1" },
    });
    expect(collector.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(`${collector.url}/metrics`, { ca: cert, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        });
        req.on("error", reject);
        req.end();
      });
    const ok = await get({ authorization: "Bearer tls-token-1" });
    expect(ok.status).toBe(200);
    expect(sumOf(ok.body, "zoran_exchange_size_bytes_total", { operation: "secured" })).toBe(5);
    expect((await get({})).status).toBe(401);

    // A client that does not trust the certificate is refused by TLS itself.
    await expect(
      new Promise((resolve, reject) => {
        const req = httpsRequest(`${collector.url}/metrics`, resolve);
        req.on("error", reject);
        req.end();
      }),
    ).rejects.toThrow(/self[- ]signed|certificate/i);
    // Plain HTTP on the TLS port gets no HTTP answer carrying metrics.
    const plain = await send(collector.url!.replace("https:", "http:")).then(
      (r) => r.body,
      (error: Error) => error.message,
    );
    expect(plain).not.toContain("zoran_");

    // A client that connects and never starts the handshake is cut off too.
    const stalled = await started({
      prometheus: { tls: { key: readFileSync(keyPath), cert }, headersTimeoutMs: 500 },
    });
    const socket = await openSocket(stalled.url!.replace("https:", "http:"));
    expect(await closedWithin(socket, 5_000)).toBeLessThan(3_000);
  });
});
