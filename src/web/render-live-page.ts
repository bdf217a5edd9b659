import { escapeHtml } from "./escape-html.js";

/** What the page shell shows before its script has fetched the first snapshot. */
export interface LivePageShellOptions {
  /** Shown in the title and the heading, escaped. */
  readonly serviceName: string;
  /** Longest range of the charts, in milliseconds (shown as "N min"). */
  readonly historyMs: number;
}

/** URL paths of the page's assets, relative to the page so that it also works behind a proxy prefix. */
export const LIVE_PAGE_ASSETS = Object.freeze({
  uplotScript: "assets/uPlot.iife.min.js",
  uplotStyle: "assets/uPlot.min.css",
  pageScript: "assets/live-page.js",
  pageStyle: "assets/live-page.css",
});

const PANELS = [
  { signal: "latency", title: "Latency", help: "p50 / p95 / p99 of operation duration", group: "golden" },
  { signal: "errors", title: "Errors", help: "errors per request, by error type", group: "golden" },
  {
    signal: "traffic",
    title: "Traffic",
    help: "requests per second (left) and tokens per second (right)",
    group: "golden",
  },
  {
    signal: "saturation",
    title: "Saturation",
    help: "highest use of each resource, 0 to 100 % (whole process)",
    group: "golden",
  },
  {
    signal: "tokensByModel",
    title: "Tokens by model",
    help: "tokens per second per model (gen_ai.client.token.usage, all operations)",
    group: "genai",
  },
  {
    signal: "timeToFirstToken",
    title: "Time to first token",
    help: "p50 / p95 of streamed calls",
    group: "genai",
  },
  { signal: "refusals", title: "Refusals", help: "model refusals per second", group: "genai" },
] as const;

/** Range choices of the toolbar: label and milliseconds (`all` = the whole history). */
const RANGES = [
  ["5 min", 300_000],
  ["15 min", 900_000],
  ["1 h", 3_600_000],
  ["all", "all"],
] as const;

/**
 * The HTML of the live page: a static shell (no inline script or style, so a strict
 * `Content-Security-Policy` holds) whose script fills it from `/api/snapshot`. The one value it
 * carries, the service name, is escaped; everything else arrives as JSON and is set with
 * `textContent`.
 */
export function renderLivePage(options: LivePageShellOptions): string {
  const service = escapeHtml(options.serviceName);
  const minutes = escapeHtml(formatMinutes(options.historyMs));
  const panel = ({
    signal,
    title,
    help,
  }: (typeof PANELS)[number]) => `    <section class="panel" id="panel-${signal}" data-signal="${signal}">
      <header class="panel-head">
        <h2>${title}</h2>
        <output class="headline" data-role="headline"></output>
      </header>
      <p class="panel-help">${help}</p>
      <div class="chart" data-role="chart"></div>
      <p class="panel-empty" data-role="empty" hidden></p>
    </section>`;
  const golden = PANELS.filter((p) => p.group === "golden")
    .map(panel)
    .join("\n");
  const genAi = PANELS.filter((p) => p.group === "genai")
    .map(panel)
    .join("\n");
  const ranges = RANGES.map(
    ([label, value]) =>
      `<button type="button" data-range="${value}" aria-pressed="${value === "all" ? "true" : "false"}">${label}</button>`,
  ).join("");
  const th = (labels: readonly string[]) => labels.map((label) => `<th scope="col">${label}</th>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <meta name="color-scheme" content="light dark">
  <title>${service} · zoran-telemetrie live</title>
  <link rel="stylesheet" href="${LIVE_PAGE_ASSETS.uplotStyle}">
  <link rel="stylesheet" href="${LIVE_PAGE_ASSETS.pageStyle}">
  <script src="${LIVE_PAGE_ASSETS.uplotScript}" defer></script>
  <script src="${LIVE_PAGE_ASSETS.pageScript}" defer></script>
</head>
<body>
  <header class="page-head">
    <h1><span class="product">zoran-telemetrie</span> <span id="service">${service}</span></h1>
    <p class="subtitle">Four golden signals since <span id="since">the start</span>, each point over
      the <span id="point-window">few</span> before it · read-only</p>
    <p id="status" class="status status-connecting" role="status">connecting…</p>
  </header>
  <nav class="toolbar" aria-label="View">
    <div class="segmented" role="group" aria-label="Time range" id="ranges">${ranges}</div>
    <button type="button" id="pause" aria-pressed="false">Pause</button>
    <p id="filter" class="filter" hidden><span class="filter-label">operation</span> <strong data-role="name"></strong>
      <button type="button" id="clear-filter" aria-label="Show every operation">× all operations</button></p>
    <button type="button" id="theme" class="theme" aria-label="Colour theme">theme: auto</button>
  </nav>
  <p id="empty" class="empty" hidden>No operation recorded in the last <span>${minutes}</span>.
    The charts fill in as soon as the service records one, e.g. with
    <code>collector.trace("name", fn)</code> or <code>collector.recordSignal(...)</code>.</p>
  <main class="panels" id="golden-panels">
${golden}
  </main>
  <section class="panels genai" id="genai-panels" aria-label="AI exchanges" hidden>
${genAi}
  </section>
  <section class="table-section" id="operations">
    <h2>Operations <span class="window-note" data-role="summary-window"></span></h2>
    <p class="table-hint">Select an operation to narrow every chart to it.</p>
    <table>
      <thead><tr>${th(["operation", "exchange", "requests/s", "errors", "p50", "p95", "p99", "tokens/s"])}</tr></thead>
      <tbody></tbody>
    </table>
    <p class="table-note" data-role="note"></p>
  </section>
  <section class="table-section" id="error-types">
    <h2>Error types <span class="window-note" data-role="summary-window"></span></h2>
    <table>
      <thead><tr>${th(["error type", "errors/s", "per request"])}</tr></thead>
      <tbody></tbody>
    </table>
    <p class="table-note" data-role="note"></p>
  </section>
  <section class="table-section" id="alerts">
    <h2>Alerts</h2>
    <table hidden>
      <thead><tr>${th(["status", "alert", "severity", "condition", "since", "labels"])}</tr></thead>
      <tbody></tbody>
    </table>
    <p class="table-note" data-role="note"></p>
  </section>
  <footer>Served by zoran-telemetrie from the collector's window store (history up to ${minutes}): <a href="api/snapshot">api/snapshot</a> · <a href="metrics">metrics</a></footer>
</body>
</html>
`;
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 1 ? `${Number(minutes.toFixed(1))} min` : `${Math.round(ms / 1000)} s`;
}
