import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLivePageRoutes, LIVE_PAGE_CSP, parseSnapshotQuery } from "../../src/web/live-page-routes.js";
import type { LiveSnapshot } from "../../src/web/live-snapshot.js";
import { renderLivePage } from "../../src/web/render-live-page.js";
import { WindowStore } from "../../src/window/window-store.js";
import { type LivePageFixture, SCRIPT_OPERATION, startLivePageFixture } from "./live-page-fixture.js";

const require = createRequire(import.meta.url);
const ASSETS = join(import.meta.dirname, "..", "..", "src", "web", "assets");
const LIVE_PAGE_SCRIPT = readFileSync(join(ASSETS, "live-page.js"), "utf8");
const LIVE_PAGE_STYLE = readFileSync(join(ASSETS, "live-page.css"), "utf8");

describe("createLivePageRoutes on the collector's endpoint", () => {
  let fixture: LivePageFixture;
  beforeAll(async () => {
    fixture = await startLivePageFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it("serves the page with a strict CSP and no inline script, style or handler", async () => {
    const response = await fetch(`${fixture.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe(LIVE_PAGE_CSP);
    expect(LIVE_PAGE_CSP).toContain("script-src 'self'");
    expect(LIVE_PAGE_CSP).not.toContain("unsafe");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((match) => /src="([^"]+)"/.exec(match[1]!)?.[1])).toEqual([
      "assets/uPlot.iife.min.js",
      "assets/live-page.js",
    ]);
    for (const match of scripts) expect(match[2]).toBe("");
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=|<style/i);
    // No CDN: every asset the page loads is served by the endpoint itself.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("serves uPlot from the installed package and the page's own script and style", async () => {
    const cases = [
      [
        "/assets/uPlot.iife.min.js",
        "text/javascript",
        readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js")),
      ],
      ["/assets/uPlot.min.css", "text/css", readFileSync(require.resolve("uplot/dist/uPlot.min.css"))],
      ["/assets/live-page.js", "text/javascript", Buffer.from(LIVE_PAGE_SCRIPT)],
      ["/assets/live-page.css", "text/css", Buffer.from(LIVE_PAGE_STYLE)],
    ] as const;
    for (const [path, type, expected] of cases) {
      const response = await fetch(`${fixture.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toBe(`${type}; charset=utf-8`);
      expect(Buffer.from(await response.arrayBuffer()).equals(expected), path).toBe(true);
    }
  });

  it("answers HEAD with the headers and no body, and refuses writes", async () => {
    const head = await fetch(`${fixture.url}/api/snapshot`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await head.text()).toBe("");
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await fetch(`${fixture.url}/api/snapshot`, { method });
      expect(response.status, method).toBe(405);
    }
  });

  it("serves the snapshot as JSON with the recorded operations and the alert states", async () => {
    fixture.startTraffic();
    let snapshot: LiveSnapshot | undefined;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const response = await fetch(`${fixture.url}/api/snapshot`);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      snapshot = (await response.json()) as LiveSnapshot;
      const charted = snapshot.charts.traffic.series[0]?.values.some((v) => v !== null && v > 0);
      if (charted && snapshot.operations.some((row) => row.operation === SCRIPT_OPERATION)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(snapshot?.service).toBe("live-page-test");
    expect(snapshot?.operations.map((row) => row.operation)).toContain(SCRIPT_OPERATION);
    expect(snapshot?.charts.traffic.series[0]?.values.some((v) => v !== null && v > 0)).toBe(true);
    expect(snapshot?.alerts?.map((alert) => alert.name)).toContain("LatencyP99High");
    // The alert rows carry what the rule compares, for "p99 2.45 s > 30 s".
    expect(snapshot?.alerts?.find((alert) => alert.name === "LatencyP99High")?.condition).toEqual({
      signal: "latency",
      statistic: "p99",
      comparison: ">",
    });
  });

  it("narrows every chart and table to one operation with ?operation=", async () => {
    fixture.startTraffic();
    const read = async (query: string) =>
      (await (await fetch(`${fixture.url}/api/snapshot${query}`)).json()) as LiveSnapshot;
    let all = await read("");
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && all.operations.length < 3) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      all = await read("");
    }
    const one = await read("?operation=agent_handoff");
    expect(one.filter).toEqual({ operation: "agent_handoff" });
    expect(one.operations.map((row) => row.operation)).toEqual(["agent_handoff"]);
    const last = (s: LiveSnapshot) => s.charts.traffic.series[0]!.values.filter((v) => v !== null).at(-1)!;
    // agent_handoff is one of three operations: its request rate is a fraction of the total.
    expect(last(one)).toBeGreaterThan(0);
    expect(last(one)).toBeLessThan(last(all));
    const none = await read("?operation=no_such_operation");
    expect(none.operations).toEqual([]);
    expect(none.charts.traffic.series[0]!.values.every((v) => v === null)).toBe(true);
    const bad = await fetch(`${fixture.url}/api/snapshot?rangeMs=soon`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "rangeMs must be a positive integer or all" });
  });
});

describe("createLivePageRoutes failures", () => {
  const messages: string[] = [];
  beforeAll(() => {
    diag.setLogger(
      {
        error: (m) => messages.push(m),
        warn: (m) => messages.push(m),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
  });
  afterEach(() => {
    messages.length = 0;
  });
  afterAll(() => diag.disable());

  it("answers 500 and reports through diag when the snapshot cannot be built", async () => {
    // A store that was never constructed: every query throws inside the route.
    const broken = Object.create(WindowStore.prototype) as WindowStore;
    const route = createLivePageRoutes({ serviceName: "s", window: broken }).get("/api/snapshot")!;
    const { response, done } = recordingResponse();
    await route({ method: "GET", url: "/api/snapshot" } as never, response as never);
    await done;
    expect(response.status).toBe(500);
    expect(messages.join("\n")).toMatch(/cannot build the snapshot/);
  });
});

describe("renderLivePage", () => {
  it("escapes the service name", () => {
    const html = renderLivePage({ serviceName: `<img src=x onerror="alert(1)">&`, historyMs: 600_000 });
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;");
    expect(html).not.toContain("<img");
    expect(html).toContain("(history up to 10 min)");
  });

  it("offers the four ranges, pause, a theme toggle and the GenAI panels (hidden until data)", () => {
    const html = renderLivePage({ serviceName: "s", historyMs: 900_000 });
    expect([...html.matchAll(/data-range="([^"]+)"/g)].map((m) => m[1])).toEqual([
      "300000",
      "900000",
      "3600000",
      "all",
    ]);
    expect(html).toContain('id="pause"');
    expect(html).toContain('id="theme"');
    expect(html).toMatch(/<section class="panels genai" id="genai-panels"[^>]*hidden>/);
    for (const panel of ["tokensByModel", "timeToFirstToken", "refusals"]) {
      expect(html).toContain(`id="panel-${panel}"`);
    }
  });
});

describe("parseSnapshotQuery", () => {
  it("reads the operation filter and the range", () => {
    expect(parseSnapshotQuery("/api/snapshot")).toEqual({});
    expect(parseSnapshotQuery("/api/snapshot?operation=chat&exchange=ai_human&rangeMs=300000")).toEqual({
      filter: { operation: "chat", exchange: "ai_human" },
      rangeMs: 300_000,
    });
    expect(
      parseSnapshotQuery(`/api/snapshot?operation=${encodeURIComponent(SCRIPT_OPERATION)}&rangeMs=all`),
    ).toEqual({
      filter: { operation: SCRIPT_OPERATION },
    });
  });

  it("says what is wrong with a bad query", () => {
    expect(parseSnapshotQuery("/api/snapshot?rangeMs=-5")).toMatch(/rangeMs/);
    expect(parseSnapshotQuery("/api/snapshot?operation=")).toMatch(/operation/);
    expect(parseSnapshotQuery(`/api/snapshot?operation=${"x".repeat(129)}`)).toMatch(/operation/);
    expect(parseSnapshotQuery("/api/snapshot?exchange=ai_ai")).toMatch(/exchange needs an operation/);
    expect(parseSnapshotQuery("/api/snapshot?operation=a&exchange=robot")).toMatch(/exchange must be/);
  });
});

describe("the live page's script", () => {
  it("never hands data to an HTML parser", () => {
    expect(LIVE_PAGE_SCRIPT).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|Function\(/,
    );
  });

  it("is valid JavaScript without a build step", () => {
    // Compiles only; the browser test runs it.
    expect(() => new Function(LIVE_PAGE_SCRIPT)).not.toThrow();
  });
});

/** A minimal stand-in for `ServerResponse` that records what the handler wrote. */
function recordingResponse() {
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const response = {
    status: 0,
    headers: {} as Record<string, unknown>,
    body: "",
    writeHead(status: number, headers: Record<string, unknown>) {
      response.status = status;
      response.headers = headers;
      return response;
    },
    end(body?: string | Buffer) {
      response.body = body === undefined ? "" : body.toString();
      finish();
      return response;
    },
  };
  return { response, done };
}
