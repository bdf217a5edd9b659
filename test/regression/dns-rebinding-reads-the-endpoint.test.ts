/**
 * Issue 15, finding 6: "No `Host` check: DNS rebinding reads the endpoint. A page the operator
 * visits, whose name rebinds to 127.0.0.1, read `/metrics` and `/api/snapshot` in Chromium
 * (simulated with `--host-resolver-rules`). Default is no auth, so any page can."
 *
 * The endpoint now answers only `localhost`, the bound address, IP literals when bound to all
 * interfaces, and configured `allowedHosts`; everything else gets 421, and every answer carries
 * the security headers.
 */
import { request } from "node:http";
import { type Browser, chromium } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TelemetryCollector, type TelemetryCollectorOptions } from "../../src/index.js";
import { requireBinary } from "../helpers/require-binary.js";

const CHROMIUM = requireBinary("/usr/bin/chromium");
const collectors: TelemetryCollector[] = [];

async function started(options: TelemetryCollectorOptions = {}): Promise<TelemetryCollector> {
  const collector = new TelemetryCollector({
    exporter: "prometheus",
    port: 0,
    saturation: false,
    runtimeMetrics: false,
    ...options,
  });
  collectors.push(collector);
  await collector.start();
  return collector;
}
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
});

/** GET `path` on the collector's port with a chosen `Host` header. */
function get(
  url: string,
  path: string,
  host: string,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, headers: { host } }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    })
      .on("error", reject)
      .end();
  });
}

describe("the endpoint's Host check (DNS rebinding)", () => {
  it("answers 421 to a name it does not serve, and serves localhost and the bound address", async () => {
    const collector = await started();
    const port = new URL(collector.url!).port;
    expect((await get(collector.url!, "/metrics", `rebind.example:${port}`)).status).toBe(421);
    expect((await get(collector.url!, "/api/snapshot", "rebind.example")).status).toBe(421);
    expect((await get(collector.url!, "/metrics", `127.0.0.1:${port}`)).status).toBe(200);
    expect((await get(collector.url!, "/metrics", `localhost:${port}`)).status).toBe(200);
    expect((await get(collector.url!, "/metrics", `LOCALHOST:${port}`)).status).toBe(200);
  });

  it("serves configured names, and any IP literal when bound to all interfaces", async () => {
    const named = await started({ prometheus: { allowedHosts: ["metrics.internal"] } });
    expect((await get(named.url!, "/metrics", "metrics.internal:9464")).status).toBe(200);
    expect((await get(named.url!, "/metrics", "10.1.2.3:9464")).status).toBe(421);
    const open = await started({ host: "0.0.0.0" });
    const { port } = new URL(open.url!);
    expect((await get(`http://127.0.0.1:${port}`, "/metrics", "10.1.2.3:9464")).status).toBe(200);
    expect((await get(`http://127.0.0.1:${port}`, "/metrics", "[fd00::1]:9464")).status).toBe(200);
    expect((await get(`http://127.0.0.1:${port}`, "/metrics", "rebind.example")).status).toBe(421);
  });

  it("sends the security headers on every answer, refused or not", async () => {
    const collector = await started();
    for (const [path, host] of [
      ["/metrics", "127.0.0.1"],
      ["/nothing-here", "127.0.0.1"],
      ["/metrics", "rebind.example"],
    ] as const) {
      const { headers } = await get(collector.url!, path, host);
      expect(headers["x-content-type-options"]).toBe("nosniff");
      expect(headers["x-frame-options"]).toBe("DENY");
      expect(headers["referrer-policy"]).toBe("no-referrer");
      expect(headers["cross-origin-resource-policy"]).toBe("same-origin");
    }
  });
});

describe.skipIf(CHROMIUM === null)("DNS rebinding in Chromium", () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // A name the attacker controls, rebound to the loopback address.
        "--host-resolver-rules=MAP rebind.example 127.0.0.1",
      ],
      timeout: 30_000,
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("gives a rebound page nothing of /metrics or /api/snapshot", async () => {
    const collector = await started();
    const port = new URL(collector.url!).port;
    const page = await browser!.newPage();
    try {
      for (const path of ["/metrics", "/api/snapshot", "/"]) {
        const response = await page.goto(`http://rebind.example:${port}${path}`);
        expect(response?.status(), path).toBe(421);
        expect(await page.content()).not.toContain("zoran_");
      }
      // The operator's own view on the loopback address still works.
      const own = await page.goto(`${collector.url}/metrics`);
      expect(own?.status()).toBe(200);
    } finally {
      await page.close();
    }
  });
});
