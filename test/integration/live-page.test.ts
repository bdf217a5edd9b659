import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBinary } from "../helpers/require-binary.js";
import { type DemoProcess, spawnDemo } from "../helpers/spawn-demo.js";
import { type LivePageFixture, SCRIPT_OPERATION, startLivePageFixture } from "../web/live-page-fixture.js";

// The page functions below run in Chromium; Node's lib has no DOM types, and adding the DOM lib
// here would add it to every file of the project.
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed by the browser at runtime
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed by the browser at runtime
declare const Image: any;
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed by the browser at runtime
declare const window: any;
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed by the browser at runtime
declare const getComputedStyle: any;

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
/** `UPDATE_SCREENSHOTS=1`: the README's dark-mode and phone screenshots too. */
const DOCS_DARK = join(REPO, "docs", "images", "live-page-dark.png");
const DOCS_PHONE = join(REPO, "docs", "images", "live-page-phone.png");

let browser: Browser | undefined;
const scratch = mkdtempSync(join(tmpdir(), "live-page-"));

beforeAll(async () => {
  if (CHROMIUM === null) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 30_000,
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Opens the page and collects everything that would tell a user it is broken. */
async function openLivePage(
  url: string,
  context: Parameters<Browser["newPage"]>[0] = {},
): Promise<{ page: Page; problems: string[]; dialogs: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 }, ...context });
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
  const response = await page.goto(url.includes("?") ? url.replace("?", "/?") : `${url}/`, {
    waitUntil: "load",
  });
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

/**
 * Waits (bounded) until the page has drawn `count` snapshots in all, polling from Node: for pages
 * whose timers run on a paused Playwright clock, where `waitForFunction` would never poll.
 */
async function pollUpdates(page: Page, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await updates(page)) < count) {
    if (Date.now() > deadline)
      throw new Error(`the page drew fewer than ${count} snapshots in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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
async function expectLiveCharts(
  page: Page,
  problems: string[],
  screenshotName: string,
  docsPath?: string,
): Promise<void> {
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
  if (docsPath !== undefined) updateScreenshot(path, docsPath);
  expect(readFileSync(path).subarray(1, 4).toString()).toBe("PNG");
  expect(problems).toEqual([]);
}

/** With `UPDATE_SCREENSHOTS=1`, copies a screenshot of this run into docs/images/ (never in CI). */
function updateScreenshot(path: string, docsPath: string): void {
  if (process.env.UPDATE_SCREENSHOTS !== "1") return;
  mkdirSync(dirname(docsPath), { recursive: true });
  copyFileSync(path, docsPath);
}

/** Relative luminance (0 black .. 1 white) of a CSS `rgb(r, g, b)` colour. */
function luminance(colour: string): number {
  const [r, g, b] = (colour.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  const linear = (c: number) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r ?? 0) + 0.7152 * linear(g ?? 0) + 0.0722 * linear(b ?? 0);
}

/** The page's background colour as the browser computed it. */
function background(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
}

/** Waits (bounded) until `predicate` holds of the page, re-reading it after every snapshot. */
async function waitForPage(page: Page, what: string, predicate: () => boolean, timeoutMs = 30_000) {
  try {
    await page.waitForFunction(predicate, undefined, { timeout: timeoutMs, polling: 100 });
  } catch (error) {
    throw new Error(`${what} did not happen within ${timeoutMs} ms`, { cause: error });
  }
}

describe.skipIf(CHROMIUM === null)("live page in headless Chromium, served by a TelemetryCollector", () => {
  let fixture: LivePageFixture;
  beforeAll(async () => {
    fixture = await startLivePageFixture({ intervalMs: 500, retentionMs: 10 * 60_000 });
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it("shows a clear empty state before anything is recorded", async () => {
    const { page, problems } = await openLivePage(fixture.url);
    try {
      await waitForUpdates(page, 1);
      expect(await page.locator("#empty").isVisible()).toBe(true);
      expect(await page.locator("#empty").textContent()).toMatch(/No operation recorded in the last 10 min/);
      expect(await page.locator("#panel-latency .panel-empty").textContent()).toMatch(
        /No operation finished/,
      );
      expect(await page.locator("#panel-latency .headline").textContent()).toBe("no data");
      expect(await page.locator("#operations .table-note").textContent()).toBe(
        "No operation completed in this window.",
      );
      // No AI exchange yet: the GenAI panels stay hidden.
      expect(await page.locator("#genai-panels").isVisible()).toBe(false);
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
  }, 120_000);

  it("starts the x axis at the collector's start, not minutes before it", async () => {
    fixture.startTraffic();
    const { page } = await openLivePage(fixture.url);
    try {
      await waitForUpdates(page, 1);
      const { from, points, startedAt } = await page.evaluate(async () => {
        const panel = document.querySelector("#panel-traffic")!;
        const snapshot = await (await fetch("api/snapshot")).json();
        return {
          from: Number(panel.getAttribute("data-from")),
          points: Number(panel.getAttribute("data-points")),
          startedAt: (snapshot as { startedAt: number }).startedAt,
        };
      });
      // The store's history is 10 min at 0.5 s (1200 points); the process is seconds old.
      expect(points).toBeLessThan(600);
      expect(from).toBeGreaterThanOrEqual(Math.floor(startedAt * 2) / 2);
      expect(from - startedAt).toBeLessThan(1);
    } finally {
      await page.close();
    }
  }, 60_000);

  it("shows every line's value at the hovered time, with its unit", async () => {
    fixture.startTraffic();
    const { page, problems } = await openLivePage(fixture.url);
    try {
      await waitForPage(page, "three latency lines with data", () =>
        [...document.querySelectorAll("#panel-latency .u-legend .u-series .u-value")]
          .slice(1)
          .every((el) => /\d/.test(el.textContent ?? "")),
      );
      const legend = () =>
        page.evaluate(() =>
          [...document.querySelectorAll("#panel-latency .u-legend .u-series")].map((row) => ({
            label: row.querySelector(".u-label")?.textContent ?? "",
            value: row.querySelector(".u-value")?.textContent ?? "",
          })),
        );
      const newest = await legend();
      const over = page.locator("#panel-latency .u-over");
      const box = (await over.boundingBox())!;
      // Hover older points than the newest one the legend shows. An interval in which no
      // operation ended has no latency (the legend shows "–" there, as it should): try a few
      // positions and require one whose every line has a value with its unit.
      let hovered: { label: string; value: string }[] = [];
      for (const fraction of [0.25, 0.4, 0.55, 0.7, 0.85, 0.15]) {
        await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
        // The legend follows the cursor: its time is no longer the newest point's.
        await page.waitForFunction(
          (newestTime) =>
            document.querySelector("#panel-latency .u-legend .u-series .u-value")?.textContent !== newestTime,
          newest[0]!.value,
          { timeout: 10_000, polling: 50 },
        );
        hovered = await legend();
        if (hovered.slice(1).every((row) => /^\d+(\.\d+)? (ms|s)$/.test(row.value))) break;
      }
      expect(hovered.map((row) => row.label)).toEqual(["Time", "p50", "p95", "p99"]);
      expect(hovered[0]!.value).not.toBe(newest[0]!.value);
      for (const row of hovered.slice(1)) expect(row.value, row.label).toMatch(/^\d+(\.\d+)? (ms|s)$/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it("switches the range and keeps it in the address", async () => {
    fixture.startTraffic();
    const { page, problems } = await openLivePage(fixture.url);
    try {
      await waitForUpdates(page, 1);
      expect(await page.locator('#ranges button[aria-pressed="true"]').textContent()).toBe("all");
      // The store keeps 10 min: 15 min and 1 h cannot show more than "all" does.
      expect(await page.locator('#ranges button[data-range="3600000"]').isDisabled()).toBe(true);
      const asked = page.waitForRequest((request) => request.url().includes("rangeMs=300000"));
      await page.locator('#ranges button[data-range="300000"]').click();
      await asked;
      await waitForUpdates(page, 1);
      expect(await page.locator('#ranges button[aria-pressed="true"]').textContent()).toBe("5 min");
      expect(new URL(page.url()).searchParams.get("range")).toBe("300000");
      await waitForPage(
        page,
        "a wider chart",
        () => Number(document.querySelector("#panel-traffic")?.getAttribute("data-points")) >= 12,
      );
      const points = () =>
        page.evaluate(() => Number(document.querySelector("#panel-traffic")!.getAttribute("data-points")));
      const all = await points();
      // A range shorter than the process's age shows fewer points (3 s at 0.5 s each).
      await page.goto(`${fixture.url}/?range=3000`);
      await waitForUpdates(page, 1);
      expect(await points()).toBe(6);
      expect(all).toBeGreaterThan(6);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it("pauses: no more requests until resumed", async () => {
    fixture.startTraffic();
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
    // The page's own timers run on Playwright's clock, paused: time moves only when the test moves
    // it (runFor), never by itself, so no refresh fires while the test is not looking.
    await page.clock.install();
    await page.clock.pauseAt(Date.now() + 1_000);
    try {
      await page.goto(`${fixture.url}/`);
      // Polled from here, not in the page: the page's own polling timers are paused too.
      await pollUpdates(page, 1);
      let requests = 0;
      page.on("request", (request) => {
        if (request.url().includes("api/snapshot")) requests++;
      });
      await page.clock.runFor(2_500);
      await pollUpdates(page, 2);
      expect(requests).toBe(1);
      await page.locator("#pause").click();
      expect(await page.locator("#status").textContent()).toBe("paused");
      expect(await page.locator("#pause").textContent()).toBe("Resume");
      const before = await updates(page);
      // Five refresh periods (the collector's 2 s) later: nothing asked, nothing redrawn.
      await page.clock.runFor(10_000);
      expect(requests).toBe(1);
      expect(await updates(page)).toBe(before);
      await page.locator("#pause").click();
      await pollUpdates(page, before + 1);
      expect(requests).toBe(2);
      expect(await page.locator("#status").textContent()).toMatch(/^live/);
    } finally {
      await page.close();
    }
  }, 60_000);

  it("narrows every chart to an operation clicked in the table, and back", async () => {
    fixture.startTraffic();
    const { page, problems } = await openLivePage(fixture.url);
    try {
      const button = page.locator("#operations .op-link", { hasText: "agent_handoff" });
      await button.waitFor({ timeout: 30_000 });
      await waitForPage(
        page,
        "three operations",
        () => document.querySelectorAll("#operations tbody tr").length === 3,
      );
      const trafficHeadline = () => page.locator("#panel-traffic .headline").textContent();
      const rate = (text: string | null) => Number(/^([\d.]+)/.exec(text ?? "")?.[1]);
      const allRate = rate(await trafficHeadline());
      const latencyAll = await page.evaluate(() =>
        document.querySelector("#panel-latency canvas")!.toDataURL(),
      );
      const asked = page.waitForRequest((request) => request.url().includes("operation=agent_handoff"));
      await button.click();
      await asked;
      await waitForPage(
        page,
        "the filter chip",
        () => !document.querySelector("#filter")!.hasAttribute("hidden"),
      );
      await waitForPage(
        page,
        "one operation row",
        () => document.querySelectorAll("#operations tbody tr").length === 1,
      );
      expect(await page.locator("#filter [data-role=name]").textContent()).toBe("agent_handoff (ai_ai)");
      const oneRate = rate(await trafficHeadline());
      // agent_handoff is one of three operations: a fraction of the total, drawn differently.
      expect(oneRate).toBeGreaterThan(0);
      expect(oneRate).toBeLessThan(allRate);
      expect(
        await page.evaluate(() => document.querySelector("#panel-latency canvas")!.toDataURL()),
      ).not.toBe(latencyAll);
      expect(new URL(page.url()).searchParams.get("operation")).toBe("agent_handoff");
      await page.locator("#clear-filter").click();
      await waitForPage(
        page,
        "every operation again",
        () => document.querySelectorAll("#operations tbody tr").length === 3,
      );
      expect(await page.locator("#filter").isVisible()).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it("follows the system's dark mode, and the toggle overrides it both ways", async () => {
    const dark = await openLivePage(fixture.url, { colorScheme: "dark" });
    const light = await openLivePage(fixture.url, { colorScheme: "light" });
    try {
      await waitForUpdates(dark.page, 1);
      await waitForUpdates(light.page, 1);
      expect(luminance(await background(dark.page))).toBeLessThan(0.05);
      expect(luminance(await background(light.page))).toBeGreaterThan(0.8);
      // A chart's axis labels are drawn in the theme's colours too (light text on dark).
      // auto -> dark -> light: the dark system page switches to light and back.
      await dark.page.locator("#theme").click(); // dark (already dark)
      await dark.page.locator("#theme").click(); // light
      expect(await dark.page.locator("#theme").textContent()).toBe("theme: light");
      expect(luminance(await background(dark.page))).toBeGreaterThan(0.8);
      await light.page.locator("#theme").click(); // dark
      expect(await light.page.locator("#theme").textContent()).toBe("theme: dark");
      expect(luminance(await background(light.page))).toBeLessThan(0.05);
      // The choice survives a reload (localStorage).
      await light.page.reload();
      await waitForUpdates(light.page, 1);
      expect(luminance(await background(light.page))).toBeLessThan(0.05);
      expect(dark.problems).toEqual([]);
      expect(light.problems).toEqual([]);
    } finally {
      await dark.page.close();
      await light.page.close();
    }
  }, 60_000);

  it("fits a 390 px phone: no horizontal scroll, alert names never broken inside a word", async () => {
    fixture.startTraffic();
    const { page, problems } = await openLivePage(fixture.url, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    try {
      await page.locator("#alerts td.alert-name").first().waitFor({ timeout: 30_000 });
      await page.locator("#operations tbody tr").first().waitFor({ timeout: 30_000 });
      const layout = await page.evaluate(() => {
        const words: { word: string; lines: number }[] = [];
        for (const name of document.querySelectorAll("#alerts td.alert-name .name")) {
          for (const node of name.childNodes) {
            if (node.nodeType !== 3) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            // A word split over two lines has two client rectangles.
            const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
            words.push({ word: node.textContent ?? "", lines });
          }
        }
        const wide = [...document.querySelectorAll("body *")]
          // The visually hidden table heads (clipped, for screen readers) aside.
          .filter((el) => el.closest("thead") === null)
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
          .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
        return {
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          words,
          wide,
        };
      });
      expect(layout.innerWidth).toBe(390);
      expect(layout.wide).toEqual([]);
      expect(layout.scrollWidth).toBeLessThanOrEqual(390);
      expect(layout.words.length).toBeGreaterThan(2);
      for (const { word, lines } of layout.words) expect(lines, word).toBe(1);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it("shows each alert's condition with units and the comparison", async () => {
    fixture.startTraffic();
    const { page } = await openLivePage(fixture.url);
    try {
      const row = page.locator("#alerts tbody tr", { hasText: "LatencyP99High" });
      await waitForPage(page, "a measured p99", () =>
        /p99 \d/.test(
          [...document.querySelectorAll("#alerts tbody tr")].find((tr) =>
            tr.textContent?.includes("LatencyP99High"),
          )?.textContent ?? "",
        ),
      );
      expect(await row.locator("td.condition").textContent()).toMatch(/^p99 \d+(\.\d+)? (ms|s) > 30 s$/);
      const errors = page.locator("#alerts tbody tr", { hasText: "OperationErrorsHigh" }).first();
      await waitForPage(page, "a measured error ratio", () =>
        document.querySelector("#alerts")!.textContent!.includes("error ratio"),
      );
      expect(await errors.locator("td.condition").textContent()).toMatch(
        /^error ratio (\d+(\.\d+)?|–) %? ?> 1 %$/,
      );
    } finally {
      await page.close();
    }
  }, 60_000);

  it("adds the GenAI panels once AI exchanges report tokens, first tokens and refusals", async () => {
    fixture.startTraffic();
    fixture.startAiTraffic();
    const { page, problems } = await openLivePage(fixture.url);
    try {
      await waitForPage(
        page,
        "the GenAI panels",
        () => !document.querySelector("#genai-panels")!.hasAttribute("hidden"),
      );
      await waitForPage(page, "data in all three", () =>
        ["tokensByModel", "timeToFirstToken", "refusals"].every((id) => {
          const panel = document.querySelector(`#panel-${id}`)!;
          return !panel.hasAttribute("hidden") && !panel.classList.contains("is-empty");
        }),
      );
      const labels = await page.locator("#panel-tokensByModel .u-legend .u-label").allTextContents();
      expect(labels).toEqual(expect.arrayContaining(["gpt-4o-2024-08-06", "claude-sonnet-4-5"]));
      expect(await page.locator("#panel-tokensByModel .headline").textContent()).toMatch(/tok\/s$/);
      expect(await page.locator("#panel-timeToFirstToken .headline").textContent()).toMatch(
        /^p50 \d+(\.\d+)? ms$/,
      );
      expect(await page.locator("#panel-refusals .headline").textContent()).toMatch(/\/s$/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it("shows a <script> label as text, in the table and the alerts, and runs none of it", async () => {
    fixture.startTraffic();
    const { page, problems, dialogs } = await openLivePage(fixture.url);
    try {
      const cell = page.locator("#operations td.label", { hasText: SCRIPT_OPERATION });
      await cell.first().waitFor({ timeout: 20_000 });
      expect(await cell.first().textContent()).toBe(SCRIPT_OPERATION);
      // The alert for that operation fires (20 % errors) and carries the label as text too.
      const alertLabels = page.locator("#alerts td.label", { hasText: `operation=${SCRIPT_OPERATION}` });
      await alertLabels.first().waitFor({ timeout: 30_000 });
      // Narrowed to it, the chip shows it as text too.
      await page.locator("#operations .op-link", { hasText: SCRIPT_OPERATION }).click();
      await waitForPage(
        page,
        "the filter chip",
        () => !document.querySelector("#filter")!.hasAttribute("hidden"),
      );
      expect(await page.locator("#filter [data-role=name]").textContent()).toBe(
        `${SCRIPT_OPERATION} (ai_ai)`,
      );
      const dom = await page.evaluate(() => ({
        scripts: [...document.scripts].map((script) => script.getAttribute("src")),
        injected: document.querySelectorAll(
          "main script, section script, td *:not(button):not(span):not(wbr), #filter script",
        ).length,
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
    fixture.startTraffic();
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
});

describe.skipIf(CHROMIUM === null)("live page of a running demo process", () => {
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
      if (process.env.UPDATE_SCREENSHOTS === "1") {
        // The README's screenshot shows a couple of minutes of history, not the first seconds.
        await waitForPage(
          page,
          "two minutes of history",
          () => Number(document.querySelector("#panel-traffic")?.getAttribute("data-points")) >= 60,
          180_000,
        );
      }
      await expectLiveCharts(page, problems, "demo.png", DOCS_SCREENSHOT);
      expect(await page.locator("#operations td.label", { hasText: "chat_completion" }).count()).toBe(1);
      // The demo's AI calls go through collector.exchange(): tokens by model.
      expect(await page.locator("#panel-tokensByModel").isVisible()).toBe(true);
    } finally {
      await page.close();
    }
  }, 400_000);

  it("looks right in dark mode and on a phone (screenshots)", async () => {
    const dark = await openLivePage(demo.url, { colorScheme: "dark" });
    const phone = await openLivePage(demo.url, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      deviceScaleFactor: 2,
    });
    try {
      await waitForUpdates(dark.page, 2);
      await waitForUpdates(phone.page, 2);
      expect(luminance(await background(dark.page))).toBeLessThan(0.05);
      const darkPath = join(scratch, "demo-dark.png");
      const phonePath = join(scratch, "demo-phone.png");
      await dark.page.screenshot({ path: darkPath, fullPage: true });
      // The top of the page on a phone: header, toolbar, the first charts.
      await phone.page.screenshot({ path: phonePath });
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      updateScreenshot(darkPath, DOCS_DARK);
      updateScreenshot(phonePath, DOCS_PHONE);
      expect(dark.problems).toEqual([]);
      expect(phone.problems).toEqual([]);
    } finally {
      await dark.page.close();
      await phone.page.close();
    }
  }, 60_000);
});
