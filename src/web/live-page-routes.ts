import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DiagLogger } from "@opentelemetry/api";
import type { AlertState } from "../alerting/alert-state.js";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import type { RouteHandler } from "../endpoint/route-handler.js";
import { describeError } from "../privacy/describe-error.js";
import type { WindowStore } from "../window/window-store.js";
import { LivePointCache } from "./live-point-cache.js";
import { buildLiveSnapshot, type LiveSnapshot } from "./live-snapshot.js";
import type { LiveFilter } from "./live-snapshot-options.js";
import { LIVE_PAGE_ASSETS, renderLivePage } from "./render-live-page.js";

/** Options of the built-in live page. */
export interface LivePageOptions {
  /** `service.name`, shown in the page title. */
  readonly serviceName: string;
  /** The collector's window store, which the page reads (it is fed elsewhere). */
  readonly window: WindowStore;
  /** Current alert states, when the collector runs alerting; the page says so when absent. */
  readonly alerts?: () => readonly AlertState[];
  /**
   * How far back the charts can go, in milliseconds (clamped to the store's fine retention); the
   * page's range selector offers 5 min, 15 min and 1 h within it, and "all".
   * @default the store's fine retention (15 min with the collector's defaults)
   */
  readonly historyMs?: number;
  /** How often the page polls `/api/snapshot`, in milliseconds. @default 2000 */
  readonly refreshMs?: number;
  /** Window of the per-operation and error-type tables, in milliseconds. @default 60000 */
  readonly summaryWindowMs?: number;
  /** Rows of the per-operation table at most (the busiest operations). @default 50 */
  readonly maxOperations?: number;
  /** Clock in epoch milliseconds; inject one in tests. @default Date.now */
  readonly clock?: () => number;
  /** Where failures are reported. @default the loud default logger (`createTelemetryLogger`) */
  readonly diag?: DiagLogger;
}

/**
 * Content-Security-Policy of every live-page response: only the page's own scripts, styles and
 * fetches, nothing inline, no frames, forms or plugins. uPlot sets styles through the CSSOM
 * (`element.style.x = ...`), which `style-src 'self'` allows, and draws on a canvas.
 */
export const LIVE_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  "Content-Security-Policy": LIVE_PAGE_CSP,
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Resource-Policy": "same-origin",
} as const;

/** A body's type and where to read it from the first time it is asked for. */
type Asset = { readonly contentType: string } & ({ readonly file: string } | { readonly module: string });

/** Longest `operation` a filter accepts: the collector cuts label values at 128 characters. */
const MAX_FILTER_LENGTH = 128;
/** Snapshots kept for the requests of the same quarter second, one per filter and range. */
const MAX_CACHED_SNAPSHOTS = 16;

/**
 * The built-in live dashboard as routes for the collector's HTTP endpoint (path -> handler):
 *
 * - `/`: the page (HTML shell, no inline script: a strict CSP holds)
 * - `/api/snapshot`: JSON {@link LiveSnapshot}, the four signals over the last `historyMs`,
 *   per-operation breakdown, error types and alert states
 * - `/assets/uPlot.iife.min.js`, `/assets/uPlot.min.css`: uPlot, read from the installed
 *   `uplot` package (no CDN: the page works offline)
 * - `/assets/live-page.js`, `/assets/live-page.css`: the page's own script and style
 *
 * Every route is read-only (the endpoint only passes GET and HEAD). A failure answers 500 and is
 * reported through `diag`, never thrown into the host application.
 *
 * @example
 * for (const [path, handler] of createLivePageRoutes({ serviceName: "zoran-core", window })) {
 *   collector.addRoute(path, handler);
 * }
 */
export function createLivePageRoutes(options: LivePageOptions): Map<string, RouteHandler> {
  const refreshMs = options.refreshMs ?? 2_000;
  const clock = options.clock ?? Date.now;
  const diag = options.diag ?? createTelemetryLogger();
  // Read from the store on the first request, where a failure answers 500 instead of throwing
  // into the collector's constructor.
  const historyMs = () =>
    Math.min(options.historyMs ?? options.window.retentionMs, options.window.retentionMs);
  let html: string | undefined;

  // Browsers with several tabs open poll at once: one snapshot serves the requests of the
  // same quarter second (per filter and range) instead of recomputing every chart for each.
  const cached = new Map<string, { atMs: number; body: string }>();
  const points = new LivePointCache();
  function snapshotBody(query: SnapshotQuery): string {
    const nowMs = clock();
    const key = JSON.stringify(query);
    const hit = cached.get(key);
    if (hit !== undefined && nowMs >= hit.atMs && nowMs - hit.atMs < 250) return hit.body;
    const snapshot: LiveSnapshot = buildLiveSnapshot({
      serviceName: options.serviceName,
      window: options.window,
      alerts: options.alerts,
      historyMs: historyMs(),
      ...(query.rangeMs === undefined ? {} : { rangeMs: query.rangeMs }),
      ...(query.filter === undefined ? {} : { filter: query.filter }),
      summaryWindowMs: options.summaryWindowMs ?? 60_000,
      refreshMs,
      maxOperations: options.maxOperations ?? 50,
      maxResources: 8,
      nowMs,
      cache: points,
      // About 100 ms at most per request (10 lines): a big store's first load fills in over a
      // few refreshes instead of holding the host's event loop for a second.
      lineBudgetMs: 10,
    });
    cached.delete(key);
    cached.set(key, { atMs: nowMs, body: JSON.stringify(snapshot) });
    if (cached.size > MAX_CACHED_SNAPSHOTS) cached.delete(cached.keys().next().value!);
    return cached.get(key)!.body;
  }

  const routes = new Map<string, RouteHandler>();
  routes.set("/", (request, response) => {
    try {
      html ??= renderLivePage({ serviceName: options.serviceName, historyMs: historyMs() });
    } catch (error) {
      diag.warn(`zoran-telemetrie live page: cannot render the page: ${describeError(error)}`);
      send(request, response, 500, "text/plain; charset=utf-8", "live page unavailable\n", "no-store");
      return;
    }
    send(request, response, 200, "text/html; charset=utf-8", html, "no-cache");
  });
  routes.set("/api/snapshot", (request, response) => {
    const query = parseSnapshotQuery(request.url ?? "/");
    if (typeof query === "string") {
      send(
        request,
        response,
        400,
        "application/json; charset=utf-8",
        JSON.stringify({ error: query }),
        "no-store",
      );
      return;
    }
    let body: string;
    try {
      body = snapshotBody(query);
    } catch (error) {
      diag.warn(`zoran-telemetrie live page: cannot build the snapshot: ${describeError(error)}`);
      send(
        request,
        response,
        500,
        "application/json; charset=utf-8",
        '{"error":"snapshot failed"}',
        "no-store",
      );
      return;
    }
    send(request, response, 200, "application/json; charset=utf-8", body, "no-store");
  });
  routes.set("/favicon.ico", (_request, response) => {
    response.writeHead(204, { ...SECURITY_HEADERS, "Cache-Control": "max-age=86400" }).end();
  });

  const assets: Record<string, Asset> = {
    [LIVE_PAGE_ASSETS.uplotScript]: {
      contentType: "text/javascript; charset=utf-8",
      module: "uplot/dist/uPlot.iife.min.js",
    },
    [LIVE_PAGE_ASSETS.uplotStyle]: {
      contentType: "text/css; charset=utf-8",
      module: "uplot/dist/uPlot.min.css",
    },
    [LIVE_PAGE_ASSETS.pageScript]: { contentType: "text/javascript; charset=utf-8", file: "live-page.js" },
    [LIVE_PAGE_ASSETS.pageStyle]: { contentType: "text/css; charset=utf-8", file: "live-page.css" },
  };
  for (const [path, asset] of Object.entries(assets)) {
    routes.set(`/${path}`, createAssetHandler(asset, diag));
  }
  return routes;
}

/** What `/api/snapshot` was asked for. */
interface SnapshotQuery {
  readonly filter?: LiveFilter;
  readonly rangeMs?: number;
}

/**
 * Reads `?operation=&exchange=&rangeMs=` of `/api/snapshot`; a string is what is wrong with it
 * (answered 400). No `rangeMs` (or `all`) means the whole history.
 */
export function parseSnapshotQuery(url: string): SnapshotQuery | string {
  const params = new URL(url, "http://live.invalid").searchParams;
  const operation = params.get("operation");
  const exchange = params.get("exchange");
  const range = params.get("rangeMs");
  if (operation !== null && (operation === "" || operation.length > MAX_FILTER_LENGTH)) {
    return `operation must be 1 to ${MAX_FILTER_LENGTH} characters`;
  }
  if (exchange !== null && operation === null) return "exchange needs an operation";
  if (exchange !== null && !["ai_ai", "ai_human", "none"].includes(exchange)) {
    return "exchange must be ai_ai, ai_human or none";
  }
  let rangeMs: number | undefined;
  if (range !== null && range !== "all") {
    rangeMs = Number(range);
    if (!Number.isInteger(rangeMs) || rangeMs <= 0) return "rangeMs must be a positive integer or all";
  }
  return {
    ...(operation === null ? {} : { filter: exchange === null ? { operation } : { operation, exchange } }),
    ...(rangeMs === undefined ? {} : { rangeMs }),
  };
}

function createAssetHandler(asset: Asset, diag: DiagLogger): RouteHandler {
  let body: Promise<Buffer> | undefined;
  const source = "file" in asset ? join(assetsFolder(), asset.file) : asset.module;
  return async (request, response) => {
    body ??= "file" in asset ? readFile(source) : readModuleFile(asset.module);
    try {
      send(request, response, 200, asset.contentType, await body, "public, max-age=300");
    } catch (error) {
      // Reported on every request until it is fixed: a broken install is worth the noise.
      body = undefined;
      diag.warn(`zoran-telemetrie live page: cannot read ${source}: ${describeError(error)}`);
      send(request, response, 500, "text/plain; charset=utf-8", "asset unavailable\n", "no-store");
    }
  };
}

/**
 * The folder of this module: `src/web/` in the sources, `dist/` in the built package (every
 * bundle lives directly in `dist/`). `import.meta.url` in both builds: the CommonJS one gets it
 * from tsup's `shims` (built from `__filename`). Testing `typeof require` instead picked the ESM
 * build's `__require` bundler shim, which has no `.resolve`: uPlot answered 500 (issue 12).
 */
function moduleFolder(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * Where the page's own script and style are: `assets/` next to this module, i.e.
 * `src/web/assets/` in the sources and `dist/assets/` in the built package (the build copies
 * them there).
 */
function assetsFolder(): string {
  return join(moduleFolder(), "assets");
}

/** Reads a file of an installed package, resolved from this module like an import would be. */
function readModuleFile(specifier: string): Promise<Buffer> {
  return Promise.resolve().then(() => readFile(createRequire(import.meta.url).resolve(specifier)));
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  cacheControl: string,
): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": cacheControl,
  });
  response.end(request.method === "HEAD" ? undefined : body);
}
