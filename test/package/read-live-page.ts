import type { Browser } from "playwright-core";

// The page functions below run in Chromium; Node's lib has no DOM types (see
// test/integration/live-page.test.ts for why the DOM lib is not added).
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed by the browser at runtime
declare const document: any;

/** The four panels of the live page, one chart each. */
export const LIVE_PAGE_SIGNALS = ["latency", "errors", "traffic", "saturation"] as const;

/** The files the page loads besides itself; each must answer 200. */
export const LIVE_PAGE_ASSETS = [
  "/assets/uPlot.iife.min.js",
  "/assets/uPlot.min.css",
  "/assets/live-page.js",
  "/assets/live-page.css",
] as const;

/**
 * A plotted line's pixel: a saturated colour (the page's palette), unlike the grey grid, axes and
 * text and the white background (the threshold of test/integration/live-page.test.ts).
 */
const LINE_CHROMA = 80;

/** What a user sees of the live page: the charts with a line drawn, the status, the requests. */
export interface LivePageReading {
  /** Panels whose canvas has plotted-line pixels. */
  readonly drawnCharts: string[];
  /** Plotted-line pixels per panel; -1 when the panel has no canvas (uPlot never ran). */
  readonly linePixels: Record<string, number>;
  /** Text of the status line (`live · updated ...`, or `disconnected (...)`). */
  readonly status: string;
  /** Every response of the page's origin as `status path` (the favicon aside). */
  readonly responses: string[];
  /** Script errors, failed requests, console errors and warnings. */
  readonly problems: string[];
}

/**
 * Opens `url` in a new page and polls (every 250 ms, until `timeoutMs`) until every panel has a
 * line drawn and the status says live, or the status says the page failed; then reads it.
 */
export async function readLivePage(
  browser: Browser,
  url: string,
  timeoutMs: number,
): Promise<LivePageReading> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const origin = new URL(url).origin;
  const responses: string[] = [];
  const problems: string[] = [];
  page.on("response", (response) => {
    const { pathname } = new URL(response.url());
    if (response.url().startsWith(origin) && pathname !== "/favicon.ico") {
      responses.push(`${response.status()} ${pathname}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  try {
    await page.goto(`${origin}/`, { waitUntil: "load" });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, linePixels } = await page.evaluate(readPanels, {
        signals: LIVE_PAGE_SIGNALS,
        chroma: LINE_CHROMA,
      });
      const drawnCharts = LIVE_PAGE_SIGNALS.filter((signal) => linePixels[signal]! > 0);
      const settled =
        (drawnCharts.length === LIVE_PAGE_SIGNALS.length && status.startsWith("live")) ||
        status.startsWith("disconnected");
      if (settled || Date.now() > deadline) {
        return { drawnCharts, linePixels, status, responses: [...responses], problems: [...problems] };
      }
      await page.waitForTimeout(250);
    }
  } finally {
    await page.close();
  }
}

/** In the page: the status text, and the plotted-line pixels of each panel's canvas. */
function readPanels({ signals, chroma }: { signals: readonly string[]; chroma: number }): {
  status: string;
  linePixels: Record<string, number>;
} {
  const linePixels: Record<string, number> = {};
  for (const signal of signals) {
    const canvas = document.querySelector(`#panel-${signal} canvas`);
    if (!canvas || canvas.width === 0 || canvas.height === 0) {
      linePixels[signal] = -1;
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
    linePixels[signal] = n;
  }
  return { status: String(document.querySelector("#status")?.textContent ?? ""), linePixels };
}
