import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import { parseWithPython, strictParser } from "../helpers/exposition-check.js";
import { sumOf } from "../helpers/prometheus-samples.js";

/**
 * The `/metrics` route writes pages into recently used buffers (page-buffer-pool.ts). A buffer
 * must not be reused while a socket still writes it: a slow scraper that requested page 1 reads
 * page 1, whole, however many pages are built for others meanwhile.
 */

let collector: TelemetryCollector | undefined;
afterEach(async () => {
  await collector?.shutdown();
  collector = undefined;
});

/** Sends a GET and does not read the answer until `resume()`; then resolves with the body. */
function slowScrape(url: URL): { started: Promise<void>; resume: () => Promise<string> } {
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  socket.write(`GET /metrics HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
  // Stalls after the first bytes: the server has then built page 1 and is writing it.
  const started = new Promise<void>((resolve) =>
    socket.once("data", () => {
      socket.pause();
      resolve();
    }),
  );
  const chunks: Buffer[] = [];
  const done = new Promise<string>((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf("\r\n\r\n");
      resolve(raw.subarray(split + 4).toString("utf8"));
    });
    socket.on("error", reject);
  });
  return {
    started,
    resume: () => {
      socket.resume();
      return done;
    },
  };
}

describe("the /metrics route's page buffers", () => {
  it("gives a slow scraper the page it asked for, whole, while later pages reuse buffers", async () => {
    collector = new TelemetryCollector({
      serviceName: "slow-reader",
      exporter: "prometheus",
      port: 0,
      saturation: false,
      runtimeMetrics: false,
      window: false,
      cardinalityLimit: 20_000,
    });
    await collector.start();
    const record = () => {
      for (let i = 0; i < 10_000; i++)
        collector!.recordSignal(GoldenSignals.LATENCY, 0.05, { operation: `op_${i}` });
    };
    record();
    const url = new URL(`${collector.url}/metrics`);
    // ~16 MB: far more than loopback socket buffers hold, so the slow answer stays queued.
    const first = await (await fetch(url)).text();
    expect(first.length).toBeGreaterThan(8 * 1024 * 1024);
    const slow = slowScrape(url);
    // Until the server has built page 1 and started writing it into the stalled socket.
    await slow.started;
    // Later pages, each with more observations, for fast scrapers.
    for (let round = 0; round < 3; round++) {
      record();
      const page = await (await fetch(url)).text();
      expect(sumOf(page, "zoran_latency_seconds_count")).toBe((round + 2) * 10_000);
    }
    const body = await slow.resume();
    expect(body.length).toBe(first.length);
    // Page 1 had one round of observations: not a byte of a later page.
    expect(sumOf(body, "zoran_latency_seconds_count")).toBe(10_000);
    if (strictParser) expect(() => parseWithPython(body, "text")).not.toThrow();
  }, 60_000);
});
