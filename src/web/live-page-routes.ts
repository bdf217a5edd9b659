import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { diag } from "@opentelemetry/api";
import type { AlertState } from "../alerting/alert-state.js";
import type { RouteHandler } from "../endpoint/route-handler.js";
import type { WindowStore } from "../window/window-store.js";
import { LIVE_PAGE_SCRIPT } from "./assets/live-page-script.js";
import { LIVE_PAGE_STYLE } from "./assets/live-page-style.js";
import { LivePointCache } from "./live-point-cache.js";
import { buildLiveSnapshot, type LiveSnapshot } from "./live-snapshot.js";
import { LIVE_PAGE_ASSETS, renderLivePage } from "./render-live-page.js";

/** Options of the built-in live page. */
export interface LivePageOptions {
  /** `service.name`, shown in the page title. */
  readonly serviceName: string;
  /** The collector's window store, which the page reads (it is fed elsewhere). */
  readonly window: WindowStore;
  /** Current alert states, when the collector runs alerting; the page says so when absent. */
  readonly alerts?: () => readonly AlertState[];
  /** How far back the charts go, in milliseconds (clamped to the store's retention). @default 600000 */
  readonly historyMs?: number;
  /** How often the page polls `/api/snapshot`, in milliseconds. @default 2000 */
  readonly refreshMs?: number;
  /** Window of the per-operation and error-type tables, in milliseconds. @default 60000 */
  readonly summaryWindowMs?: number;
  /** Rows of the per-operation table at most (the busiest operations). @default 50 */
  readonly maxOperations?: number;
  /** Clock in epoch milliseconds; inject one in tests. @default Date.now */
  readonly clock?: () => number;
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

/** A body and its type, or where to read it from the first time it is asked for. */
type Asset = { readonly contentType: string } & ({ readonly text: string } | { readonly module: string });

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
  const historyMs = options.historyMs ?? 600_000;
  const refreshMs = options.refreshMs ?? 2_000;
  const clock = options.clock ?? Date.now;
  const html = renderLivePage({ serviceName: options.serviceName, historyMs });

  // Browsers with several tabs open poll at once: one snapshot serves the requests of the
  // same quarter second instead of recomputing every chart for each.
  let cached: { atMs: number; body: string } | undefined;
  const points = new LivePointCache();
  function snapshotBody(): string {
    const nowMs = clock();
    if (cached !== undefined && nowMs >= cached.atMs && nowMs - cached.atMs < 250) return cached.body;
    const snapshot: LiveSnapshot = buildLiveSnapshot({
      serviceName: options.serviceName,
      window: options.window,
      alerts: options.alerts,
      historyMs,
      summaryWindowMs: options.summaryWindowMs ?? 60_000,
      refreshMs,
      maxOperations: options.maxOperations ?? 50,
      maxResources: 8,
      nowMs,
      cache: points,
      // About 70 ms at most per request (7 lines): a big store's first load fills in over a few
      // refreshes instead of holding the host's event loop for a second.
      lineBudgetMs: 10,
    });
    cached = { atMs: nowMs, body: JSON.stringify(snapshot) };
    return cached.body;
  }

  const routes = new Map<string, RouteHandler>();
  routes.set("/", (request, response) => {
    send(request, response, 200, "text/html; charset=utf-8", html, "no-cache");
  });
  routes.set("/api/snapshot", (request, response) => {
    let body: string;
    try {
      body = snapshotBody();
    } catch (error) {
      diag.warn(`zoran-telemetrie live page: cannot build the snapshot: ${describe(error)}`);
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
    [LIVE_PAGE_ASSETS.pageScript]: { contentType: "text/javascript; charset=utf-8", text: LIVE_PAGE_SCRIPT },
    [LIVE_PAGE_ASSETS.pageStyle]: { contentType: "text/css; charset=utf-8", text: LIVE_PAGE_STYLE },
  };
  for (const [path, asset] of Object.entries(assets)) {
    routes.set(`/${path}`, createAssetHandler(asset));
  }
  return routes;
}

function createAssetHandler(asset: Asset): RouteHandler {
  let body: Promise<Buffer> | undefined;
  return async (request, response) => {
    if ("text" in asset) {
      send(request, response, 200, asset.contentType, asset.text, "public, max-age=300");
      return;
    }
    body ??= readModuleFile(asset.module);
    try {
      send(request, response, 200, asset.contentType, await body, "public, max-age=300");
    } catch (error) {
      // Reported on every request until it is fixed: a broken install is worth the noise.
      body = undefined;
      diag.warn(`zoran-telemetrie live page: cannot read ${asset.module}: ${describe(error)}`);
      send(request, response, 500, "text/plain; charset=utf-8", "asset unavailable\n", "no-store");
    }
  };
}

/** Reads a file of an installed package, resolved from this module like an import would be. */
function readModuleFile(specifier: string): Promise<Buffer> {
  // `import.meta.url` in both builds: the CommonJS one gets it from tsup's `shims` (built from
  // `__filename`). Testing `typeof require` instead picked the ESM build's `__require` bundler
  // shim, which has no `.resolve`: uPlot answered 500 and the live page was blank (issue 12).
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
