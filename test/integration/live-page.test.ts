import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/index.js";
import { requireBinary } from "../helpers/require-binary.js";
import { type DemoProcess, spawnDemo } from "../helpers/spawn-demo.js";
import { type LivePageFixture, SCRIPT_OPERATION, startLivePageFixture } from "../web/live-page-fixture.js";

// The page functions below run in Chromium; Node's lib has no DOM types, and adding the DOM lib
// here would add it to every file of the project.
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed by the browser at runtime
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed by the browser at runtime
declare const Image: any;

const CHROMIUM = requireBinary("/usr/bin/chromium");
const SIGNALS = ["latency", "errors", "traffic", "saturation"] as const;
/**
 * A plotted line's pixel: a saturated colour (the page's palette), unlike the grey grid, axes and
 * text and the white background: the spread of its red, green and blue exceeds this.
 */
const LINE_CHROMA = 80;
const REPO = join(import.meta.dirname, "..", "..");
/** `UPDATE_SCREENSHOTS=1` refreshes the README's screenshot from this run. */
const DOCS_SCREENSHOT = join(REPO, "docs", "images", "live-page.png");
// Until the collector registers the live page on its endpoint, the demo serves no page: the demo
// test runs as soon as it does (and the wiring above stands in for it meanwhile).
const COLLECTOR_SERVES_PAGE = await collectorServesPage();

async function collectorServesPage(): Promise<boolean> {
  const collector = new TelemetryCollector({
    exporter: "prometheus",
    port: 0,
    saturation: false,
    runtimeMetrics: false,
  });
  try {
    await collector.start();
    const response = await fetch(`${collector.url}/`);
    return response.status === 200 && (response.headers.get("content-type") ?? "").startsWith("text/html");
  } finally {
    await collector.shutdown();
  }
}

let browser: Browser | undefined;
const scratch = mkdtempSync(join(tmpdir(), "live-page-"));

beforeAll(async () => {
  if (CHROMIUM === null) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    timeout: 30_000,
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Opens the page and collects everything that would tell a user it is broken. */
async function openLivePage(url: string): Promise<{ page: Page; problems: string[]; dialogs: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  // CSP violations, failed asset loads and script errors all land here as errors.
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const response = await page.goto(`${url}/`, { waitUntil: "load" });
  expect(response?.status()).toBe(200);
  return { page, problems, dialogs };
}

/** Number of times the page has drawn a snapshot. */
function updates(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.documentElement.getAttribute("data-updates") ?? 0));
}

/** Waits (bounded) until the page has drawn `count` more snapshots than now. */
async function waitForUpdates(page: Page, count: number, timeoutMs = 20_000): Promise<void> {
  const target = (await updates(page)) + count;
  await page.waitForFunction(
    (n) => Number(document.documentElement.getAttribute("data-updates") ?? 0) >= n,
    target,
    { timeout: timeoutMs, polling: 100 },
  );
}

/** Canvas pixels of each panel drawn in a line colour: the plotted lines themselves. */
function linePixels(page: Page): Promise<Record<string, number>> {
  return page.evaluate(
    ({ signals, chroma }) => {
      const counts: Record<string, number> = {};
      for (const signal of signals) {
        const canvas = document.querySelector(`#panel-${signal} canvas`);
        if (!canvas) {
          counts[signal] = -1;
          continue;
        }
        // Read a copy: reading uPlot's own canvas back would slow its drawing (and Chromium says so).
        const copy = document.createElement("canvas");
        copy.width = canvas.width;
        copy.height = canvas.height;
        const context = copy.getContext("2d", { willReadFrequently: true });
        context.drawImage(canvas, 0, 0);
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
          if (data[i + 3]! > 128 && Math.max(r, g, b) - Math.min(r, g, b) > chroma) n++;
        }
        counts[signal] = n;
      }
      return counts;
    },
    { signals: SIGNALS, chroma: LINE_CHROMA },
  );
}

/** What a user reads as numbers: the four headlines and the operations table. */
function visibleValues(page: Page): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll(".headline, #operations tbody td.num")]
      .map((el) => el.textContent)
      .join("|"),
  );
}

/** A rectangle of the page, in CSS pixels. */
interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Decodes a PNG in a blank page (no CSP there) and measures it: the line-coloured pixels inside
 * each box (the charts' places), and how many distinct colours the whole image has (a blank
 * image has one or two).
 */
async function measurePng(
  png: Buffer,
  boxes: readonly Box[],
): Promise<{ linePixels: number[]; colours: number }> {
  const page = await browser!.newPage();
  try {
    return await page.evaluate(
      async ({ base64, chroma, boxes }) => {
        const image = new Image();
        image.src = `data:image/png;base64,${base64}`;
        await image.decode();
        const canvas = document.createElement("canvas");
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        const context = canvas.getContext("2d", { willReadFrequently: true });
        context.drawImage(image, 0, 0);
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        const colours = new Set<number>();
        for (let i = 0; i < data.length; i += 4)
          colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        const linePixels = boxes.map((box) => {
          let n = 0;
          for (let y = Math.floor(box.y); y < box.y + box.height && y < canvas.height; y++) {
            for (let x = Math.floor(box.x); x < box.x + box.width && x < canvas.width; x++) {
              const i = (y * canvas.width + x) * 4;
              const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
              if (Math.max(r, g, b) - Math.min(r, g, b) > chroma) n++;
            }
          }
          return n;
        });
        return { linePixels, colours: colours.size };
      },
      { base64: png.toString("base64"), chroma: LINE_CHROMA, boxes },
    );
  } finally {
    await page.close();
  }
}

/** The checks the issue asks of a page with live data: four charts with lines, values moving. */
async function expectLiveCharts(page: Page, problems: string[], screenshotName: string): Promise<void> {
  await waitForUpdates(page, 1);
  // Lines need a few intervals of data; wait until every panel shows some (bounded).
  await page.waitForFunction(() => document.querySelectorAll(".panel.is-empty").length === 0, undefined, {
    timeout: 30_000,
    polling: 200,
  });
  // A line a few points long is a handful of pixels: poll (bounded) until each has some length.
  let pixels = await linePixels(page);
  // At the collector's default 2 s interval over 10 min, a point is about 2 px wide: allow 90 s.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && SIGNALS.some((signal) => !(pixels[signal]! > 40))) {
    await waitForUpdates(page, 1);
    pixels = await linePixels(page);
  }
  for (const signal of SIGNALS) expect(pixels[signal], `${signal} line pixels`).toBeGreaterThan(40);
  for (const signal of SIGNALS) {
    const headline = await page.locator(`#panel-${signal} .headline`).textContent();
    expect(headline, signal).not.toBe("no data");
    expect(headline, signal).not.toBe("");
  }

  const first = await visibleValues(page);
  const firstChart = await page.evaluate(() => document.querySelector("#panel-latency canvas")!.toDataURL());
  await waitForUpdates(page, 3);
  const second = await visibleValues(page);
  const secondChart = await page.evaluate(() => document.querySelector("#panel-latency canvas")!.toDataURL());
  expect(second).not.toBe(first);
  expect(secondChart).not.toBe(firstChart);

  const path = join(scratch, screenshotName);
  const png = await page.screenshot({ path, fullPage: true });
  // The viewport is at the top of the page, so canvas boxes are also full-page coordinates.
  const boxes: Box[] = [];
  for (const signal of SIGNALS) {
    const box = await page.locator(`#panel-${signal} canvas`).boundingBox();
    expect(box, signal).not.toBeNull();
    boxes.push(box!);
  }
  const measured = await measurePng(png, boxes);
  expect(measured.colours).toBeGreaterThan(50);
  SIGNALS.forEach((signal, i) => {
    expect(measured.linePixels[i], `${signal} line pixels in the screenshot`).toBeGreaterThan(40);
  });
  if (process.env.UPDATE_SCREENSHOTS === "1") {
    mkdirSync(dirname(DOCS_SCREENSHOT), { recursive: true });
    copyFileSync(path, DOCS_SCREENSHOT);
  }
  expect(readFileSync(path).subarray(1, 4).toString()).toBe("PNG");
  expect(problems).toEqual([]);
}

describe.skipIf(CHROMIUM === null)(
  "live page in headless Chromium (collector wiring built in the test)",
  () => {
    let fixture: LivePageFixture;
    beforeAll(async () => {
      fixture = await startLivePageFixture({ intervalMs: 500 });
    });
    afterAll(async () => {
      await fixture?.stop();
    });

    it("shows a clear empty state before anything is recorded", async () => {
      const { page, problems } = await openLivePage(fixture.url);
      try {
        await waitForUpdates(page, 1);
        expect(await page.locator("#empty").isVisible()).toBe(true);
        expect(await page.locator("#empty").textContent()).toMatch(/No operation recorded in the last 1 min/);
        expect(await page.locator("#panel-latency .panel-empty").textContent()).toMatch(
          /No operation finished/,
        );
        expect(await page.locator("#panel-latency .headline").textContent()).toBe("no data");
        expect(await page.locator("#operations .table-note").textContent()).toBe(
          "No operation completed in this window.",
        );
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    }, 60_000);

    it("renders four charts with data that change between two reads", async () => {
      fixture.startTraffic();
      const { page, problems } = await openLivePage(fixture.url);
      try {
        await expectLiveCharts(page, problems, "fixture.png");
        expect(await page.locator("#empty").isVisible()).toBe(false);
        expect(await page.locator("#status").textContent()).toMatch(/^live/);
      } finally {
        await page.close();
      }
    }, 90_000);

    it("shows a <script> label as text, in the table and the alerts, and runs none of it", async () => {
      const { page, problems, dialogs } = await openLivePage(fixture.url);
      try {
        const cell = page.locator("#operations td.label", { hasText: SCRIPT_OPERATION });
        await cell.first().waitFor({ timeout: 20_000 });
        expect(await cell.first().textContent()).toBe(SCRIPT_OPERATION);
        // The alert for that operation fires (20 % errors) and carries the label as text too.
        const alertLabels = page.locator("#alerts td.label", { hasText: `operation=${SCRIPT_OPERATION}` });
        await alertLabels.first().waitFor({ timeout: 30_000 });
        const dom = await page.evaluate(() => ({
          scripts: [...document.scripts].map((script) => script.getAttribute("src")),
          injected: document.querySelectorAll("main script, section script, td *").length,
        }));
        expect(dom.scripts).toEqual(["assets/uPlot.iife.min.js", "assets/live-page.js"]);
        expect(dom.injected).toBe(0);
        expect(dialogs).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    }, 90_000);

    it("lists alert states with their status", async () => {
      const { page, problems } = await openLivePage(fixture.url);
      try {
        await page.locator("#alerts td.status-firing").first().waitFor({ timeout: 30_000 });
        const rows = await page.locator("#alerts tbody tr").allTextContents();
        expect(rows.some((row) => row.includes("LatencyP99High") && row.startsWith("inactive"))).toBe(true);
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    }, 60_000);
  },
);

describe.skipIf(CHROMIUM === null || !COLLECTOR_SERVES_PAGE)("live page of a running demo process", () => {
  let demo: DemoProcess;
  beforeAll(async () => {
    demo = await spawnDemo(["--port", "0", "--rate", "40", "--seed", "7"]);
  }, 60_000);
  afterAll(async () => {
    await demo?.stop();
  });

  it("renders four charts with data that change between two reads", async () => {
    const { page, problems } = await openLivePage(demo.url);
    try {
      await expectLiveCharts(page, problems, "demo.png");
      expect(await page.locator("#operations td.label", { hasText: "chat_completion" }).count()).toBe(1);
    } finally {
      await page.close();
    }
  }, 180_000);
});

if (!COLLECTOR_SERVES_PAGE) {
  console.warn("[skip] demo live page: the collector does not serve the live page on its endpoint yet");
}
