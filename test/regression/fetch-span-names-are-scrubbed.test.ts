import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import { instrumentFetch } from "../../src/instrument/instrument-fetch.js";
import { OtlpReceiver } from "../helpers/otlp-receiver.js";

/**
 * Issue 15, finding 3: "Span names from `instrumentFetch({ operation })` are not scrubbed (55 of
 * 75 sensitive values, raw in OTLP traces; the metric label is scrubbed)."
 *
 * Every detectable value of the sensitive-value corpus is put in a fetch operation name, fixed
 * (`operation: "..."`) and chosen per call (`operation: () => "..."`); the spans a real OTLP
 * receiver gets must carry no fragment of any, and the names must still be there, scrubbed.
 */

interface SensitiveValue {
  category: string;
  detectable: boolean;
  value: string;
  fragments: string[];
}
const corpus = (
  JSON.parse(readFileSync(new URL("../fixtures/privacy/sensitive-values.json", import.meta.url), "utf8")) as {
    values: SensitiveValue[];
  }
).values.filter((v) => v.detectable);

describe("instrumentFetch span names", () => {
  const receiver = new OtlpReceiver();
  let upstream: Server;
  let upstreamUrl = "";

  beforeAll(async () => {
    await receiver.start();
    upstream = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
    const collector = new TelemetryCollector({
      serviceName: "fetch-span-names",
      exporter: "otlp",
      otlp: { endpoint: receiver.url, protocol: "http/json", metrics: false },
      saturation: false,
      runtimeMetrics: false,
      window: false,
    });
    await collector.start();
    for (const { value } of corpus) {
      await (await instrumentFetch(collector, { operation: `call ${value}` })(upstreamUrl)).text();
      await (await instrumentFetch(collector, { operation: () => `per call ${value}` })(upstreamUrl)).text();
    }
    await collector.shutdown();
  }, 60_000);

  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    await receiver.stop();
  });

  it("exports one client span per call, named after the scrubbed operation", () => {
    const names = receiver.spans.map((s) => s.name);
    expect(names).toHaveLength(corpus.length * 2);
    expect(names).toContain("call <email>");
    expect(names).toContain("per call <ipv4>");
  });

  for (const entry of corpus) {
    it(`leaks no fragment of ${entry.category} ${JSON.stringify(entry.value)} in span names`, () => {
      const names = receiver.spans.map((s) => s.name).join("\n");
      for (const fragment of entry.fragments) expect(names).not.toContain(fragment);
    });
  }
});
