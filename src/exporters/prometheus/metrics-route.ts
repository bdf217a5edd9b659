import { finished } from "node:stream";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { RouteHandler } from "../../endpoint/route-handler.js";
import type { ExpositionReport } from "./exposition-conflicts.js";
import { negotiateFormat } from "./negotiate-format.js";
import { PageBufferPool } from "./page-buffer-pool.js";
import { CONTENT_TYPES, type PrometheusFormat, serializePrometheusSliced } from "./prometheus-serializer.js";

/** Options of {@link createMetricsRoute}. */
export interface MetricsRouteOptions {
  /** A fresh snapshot per scrape (the collector's one snapshot source). */
  readonly collect: () => Promise<ResourceMetrics>;
  /** Most scrapes served at once; more get 503 with `Retry-After: 1`. @default 16 */
  readonly maxConcurrentScrapes?: number | undefined;
  /** Leave out the scope labels of application instruments. @default false */
  readonly withoutScopeInfo?: boolean | undefined;
  /** Where the changes that kept a page valid are reported (the collector's conflict log). */
  readonly report?: ExpositionReport | undefined;
  /** Longest stretch of serialization before the event loop gets a turn, in ms. @default 2 */
  readonly sliceMs?: number | undefined;
}

/**
 * The Prometheus pull route: `GET /metrics` in text format 0.0.4, OpenMetrics 1.0.0 or the
 * protobuf format (native histograms), as the `Accept` header asks. Scrapes that arrive while a
 * page of their format is being built share it (one collect per burst), and a page is written
 * in slices that give the event loop back (docs/threat-model.md: scrape floods).
 */
export function createMetricsRoute(options: MetricsRouteOptions): RouteHandler {
  const maxScrapes =
    typeof options.maxConcurrentScrapes === "number" && options.maxConcurrentScrapes >= 1
      ? Math.floor(options.maxConcurrentScrapes)
      : 16;
  const inflight = new Map<PrometheusFormat, SharedPage>();
  // Recent page buffers: a burst of scrapes writes into memory already mapped (page-buffer-pool.ts).
  const pool = new PageBufferPool({ maxIdle: 3 });
  let activeScrapes = 0;

  // Bytes, not a string: at 10,000 label sets decoding the page to a string and encoding it
  // again cost ~70 ms each (bench/scrape.bench.ts). Scrapes of one format that arrive while its
  // page is built share it; its buffer goes back to the pool once the last of their responses
  // has finished (or closed): a slow socket may still be writing it until then.
  function join(format: PrometheusFormat): SharedPage {
    let shared = inflight.get(format);
    if (shared === undefined) {
      const page: SharedPage = { users: 0, building: true, body: undefined as unknown as Promise<Buffer> };
      page.body = options
        .collect()
        .then((snapshot) =>
          serializePrometheusSliced(snapshot, {
            format,
            withoutScopeInfo: options.withoutScopeInfo === true,
            report: options.report,
            sliceMs: options.sliceMs,
            pool,
          }),
        )
        .then((body) => {
          page.page = body;
          return body;
        })
        .finally(() => {
          inflight.delete(format);
          page.building = false;
          if (page.users === 0 && page.page !== undefined) pool.release(page.page);
        });
      inflight.set(format, page);
      shared = page;
    }
    shared.users++;
    return shared;
  }

  function leave(shared: SharedPage): void {
    shared.users--;
    if (shared.users === 0 && !shared.building && shared.page !== undefined) pool.release(shared.page);
  }

  return async (request, response) => {
    if (activeScrapes >= maxScrapes) {
      response.writeHead(503, { "Retry-After": "1", "Content-Type": "text/plain" }).end("too many scrapes\n");
      return;
    }
    activeScrapes++;
    try {
      const format = negotiateFormat(request.headers.accept);
      const shared = join(format);
      let page: Buffer;
      try {
        page = await shared.body;
      } catch (error) {
        leave(shared);
        throw error;
      }
      finished(response, () => leave(shared));
      response.writeHead(200, {
        "Content-Type": CONTENT_TYPES[format],
        "Content-Length": page.length,
        "Cache-Control": "no-store",
        Vary: "Accept",
      });
      response.end(request.method === "HEAD" ? undefined : page);
    } finally {
      activeScrapes--;
    }
  };
}

/** A page being built or written, shared by the scrapes of one format that arrived meanwhile. */
interface SharedPage {
  body: Promise<Buffer>;
  /** The page once built. */
  page?: Buffer;
  /** Scrapes holding it: waiting for it or writing it. */
  users: number;
  building: boolean;
}
