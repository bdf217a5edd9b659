import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { RouteHandler } from "../../endpoint/route-handler.js";
import { acceptsOpenMetrics } from "./accepts-openmetrics.js";
import {
  CONTENT_TYPES,
  type PrometheusFormat,
  serializePrometheusToBuffer,
} from "./prometheus-serializer.js";

/** Options of {@link createMetricsRoute}. */
export interface MetricsRouteOptions {
  /** A fresh snapshot per scrape (the collector's one snapshot source). */
  readonly collect: () => Promise<ResourceMetrics>;
  /** Most scrapes served at once; more get 503 with `Retry-After: 1`. @default 16 */
  readonly maxConcurrentScrapes?: number | undefined;
}

/**
 * The Prometheus pull route: `GET /metrics` in text format 0.0.4, or OpenMetrics 1.0.0 when the
 * `Accept` header asks for it. Scrapes that arrive while one is being built share its body (one
 * collect per burst).
 */
export function createMetricsRoute(options: MetricsRouteOptions): RouteHandler {
  const maxScrapes =
    typeof options.maxConcurrentScrapes === "number" && options.maxConcurrentScrapes >= 1
      ? Math.floor(options.maxConcurrentScrapes)
      : 16;
  const inflight = new Map<PrometheusFormat, Promise<Buffer>>();
  let activeScrapes = 0;

  // Bytes, not a string: at 10,000 label sets decoding the page to a string and encoding it
  // again cost ~70 ms each (bench/scrape.bench.ts). Each page is a fresh Buffer, since a slow
  // socket may still be writing the previous one.
  function body(format: PrometheusFormat): Promise<Buffer> {
    let pending = inflight.get(format);
    if (pending === undefined) {
      pending = options
        .collect()
        .then((snapshot) => serializePrometheusToBuffer(snapshot, { format }))
        .finally(() => inflight.delete(format));
      inflight.set(format, pending);
    }
    return pending;
  }

  return async (request, response) => {
    if (activeScrapes >= maxScrapes) {
      response.writeHead(503, { "Retry-After": "1", "Content-Type": "text/plain" }).end("too many scrapes\n");
      return;
    }
    activeScrapes++;
    try {
      const format: PrometheusFormat = acceptsOpenMetrics(request.headers.accept) ? "openmetrics" : "text";
      const page = await body(format);
      response.writeHead(200, {
        "Content-Type": CONTENT_TYPES[format],
        "Content-Length": page.length,
        "Cache-Control": "no-store",
      });
      response.end(request.method === "HEAD" ? undefined : page);
    } finally {
      activeScrapes--;
    }
  };
}
