import { escapeHtml } from "./escape-html.js";

/** What the page shell shows before its script has fetched the first snapshot. */
export interface LivePageShellOptions {
  /** Shown in the title and the heading, escaped. */
  readonly serviceName: string;
  /** Length of the charts, in milliseconds (shown as "last N min"). */
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
  { signal: "latency", title: "Latency", help: "p50 / p95 / p99 of operation duration" },
  { signal: "errors", title: "Errors", help: "errors per request, by error type" },
  { signal: "traffic", title: "Traffic", help: "requests and tokens per second" },
  { signal: "saturation", title: "Saturation", help: "highest use of each resource, 0 to 100 %" },
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
  const panels = PANELS.map(
    ({ signal, title, help }) => `    <section class="panel" id="panel-${signal}" data-signal="${signal}">
      <header class="panel-head">
        <h2>${title}</h2>
        <output class="headline" data-role="headline"></output>
      </header>
      <p class="panel-help">${help}</p>
      <div class="chart" data-role="chart"></div>
      <p class="panel-empty" data-role="empty" hidden></p>
    </section>`,
  ).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>${service} · zoran-telemetrie live</title>
  <link rel="stylesheet" href="${LIVE_PAGE_ASSETS.uplotStyle}">
  <link rel="stylesheet" href="${LIVE_PAGE_ASSETS.pageStyle}">
  <script src="${LIVE_PAGE_ASSETS.uplotScript}" defer></script>
  <script src="${LIVE_PAGE_ASSETS.pageScript}" defer></script>
</head>
<body>
  <header class="page-head">
    <h1><span class="product">zoran-telemetrie</span> <span id="service">${service}</span></h1>
    <p class="subtitle">Four golden signals, last <span id="history">${minutes}</span>, each point over
      the <span id="point-window">few</span> before it · read-only</p>
    <p id="status" class="status status-connecting" role="status">connecting…</p>
  </header>
  <p id="empty" class="empty" hidden>No operation recorded in the last <span>${minutes}</span>.
    The charts fill in as soon as the service records one, e.g. with
    <code>collector.trace("name", fn)</code> or <code>collector.recordSignal(...)</code>.</p>
  <main class="panels">
${panels}
  </main>
  <section class="table-section" id="operations">
    <h2>Operations <span class="window-note" data-role="summary-window"></span></h2>
    <table>
      <thead><tr><th>operation</th><th>exchange</th><th>requests/s</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th><th>tokens/s</th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="table-note" data-role="note"></p>
  </section>
  <section class="table-section" id="error-types">
    <h2>Error types <span class="window-note" data-role="summary-window"></span></h2>
    <table>
      <thead><tr><th>error type</th><th>errors/s</th><th>per request</th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="table-note" data-role="note"></p>
  </section>
  <section class="table-section" id="alerts">
    <h2>Alerts</h2>
    <table hidden>
      <thead><tr><th>status</th><th>alert</th><th>severity</th><th>value</th><th>threshold</th><th>since</th><th>labels</th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="table-note" data-role="note"></p>
  </section>
  <footer>Served by zoran-telemetrie from the collector's window store: <a href="api/snapshot">api/snapshot</a> · <a href="metrics">metrics</a></footer>
</body>
</html>
`;
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 1 ? `${Number(minutes.toFixed(1))} min` : `${Math.round(ms / 1000)} s`;
}
