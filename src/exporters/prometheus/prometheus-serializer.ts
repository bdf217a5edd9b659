import { isAscii } from "node:buffer";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ExpositionReport } from "./exposition-conflicts.js";
import { type ExpositionPlanOptions, planExposition } from "./exposition-plan.js";
import { ExpositionWriter } from "./exposition-writer.js";
import type { PageBufferPool } from "./page-buffer-pool.js";
import { writeProtobufPage } from "./protobuf-exposition.js";
import { SliceClock } from "./slice-budget.js";
import { writeTextPage } from "./text-exposition.js";

export { encodeLabels, escapeLabelValue } from "./exposition-labels.js";
export { formatNumber } from "./format-number.js";

/** Exposition formats of `/metrics`. */
export type PrometheusFormat = "text" | "openmetrics" | "protobuf";

/** Content types of the exposition formats. */
export const CONTENT_TYPES: Readonly<Record<PrometheusFormat, string>> = {
  text: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
  protobuf: "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
};

/** Options of {@link serializePrometheus}. */
export interface PrometheusSerializerOptions extends ExpositionPlanOptions {
  /** Text format 0.0.4, OpenMetrics 1.0.0 or the delimited protobuf format. @default "text" */
  readonly format?: PrometheusFormat;
  /**
   * Where the changes that kept the page valid go (each cause once), and the self-metric
   * `zoran_telemetry_exposition_conflicts_total` written at the end of the page. Without one,
   * the page is still valid; the changes are only not reported.
   */
  readonly report?: ExpositionReport | undefined;
  /**
   * Recent page buffers to write into (the `/metrics` route's): the page is then a view of
   * pooled memory, to be given back with `pool.release(page)` once nothing reads it any more.
   */
  readonly pool?: PageBufferPool | undefined;
}

/** Options of {@link serializePrometheusSliced}. */
export interface SlicedSerializerOptions extends PrometheusSerializerOptions {
  /** Longest stretch of work before the event loop gets a turn, in milliseconds. @default 2 */
  readonly sliceMs?: number;
}

/*
 * How this serializer is fast (bench/serialize.bench.ts, docs/benchmarks.md). Profiled with
 * `node --cpu-prof` at 10,000 histogram label sets (16 MB of text): the first version built the
 * page with string concatenation and spent ~40% of a scrape in the garbage collector and another
 * ~45% flattening the rope when encoding it to bytes (`Buffer.from`: ~200 ms). So:
 *
 * - Bytes go straight into one Buffer sized from the previous page's length, handed to the caller
 *   as is (no concatenation, no copy); nothing but that length is kept between scrapes.
 * - Every string written is a "byte string": one char per byte (ASCII as is; other text as its
 *   UTF-8 bytes read as latin1), so a JS loop of `charCodeAt` stores writes it, with no C++ call
 *   per piece. The page is decoded once at the end (latin1 when `isAscii`, else UTF-8).
 * - Label strings are escaped and encoded once per series (cached by the frozen attribute object
 *   the store reuses in every snapshot); `le="bound"} ` suffixes once per bounds array; family
 *   heads once per family.
 * - Integer samples (bucket counts, request totals) are written digit by digit, without a string.
 *
 * Incremental exposition (re-using an unchanged series' bytes from the previous page) would need
 * the previous page kept (16 MB at 10,000 sets), against the <= 250 bytes per series target:
 * not done.
 */

// Size of the last page of each format, in bytes: the next page's buffer starts at about this size.
const pageSizeHints: Record<PrometheusFormat, number> = {
  text: 16 * 1024,
  openmetrics: 16 * 1024,
  protobuf: 16 * 1024,
};

/**
 * Writes a snapshot in the Prometheus text format 0.0.4 or OpenMetrics 1.0.0. A pure function of
 * its input (the caches only remember escaping work; `report` only hears what was changed). The
 * page always parses: see docs/formats.md for the rules on clashing names and reserved labels.
 *
 * @example
 * const body = serializePrometheus(await collector.collect(), { format: "openmetrics" });
 */
export function serializePrometheus(
  snapshot: ResourceMetrics,
  options: PrometheusSerializerOptions = {},
): string {
  if (options.format === "protobuf") {
    throw new TypeError(
      "zoran-telemetrie: the protobuf exposition is bytes: use serializePrometheusToBuffer()",
    );
  }
  const page = serializePrometheusToBuffer(snapshot, options);
  return page.toString(isAscii(page) ? "latin1" : "utf8");
}

/**
 * The same page as {@link serializePrometheus}, as bytes ready for a response body (and the only
 * form of the protobuf format): skips decoding the page to a string and encoding it back. The
 * Buffer is the caller's own.
 */
export function serializePrometheusToBuffer(
  snapshot: ResourceMetrics,
  options: PrometheusSerializerOptions = {},
): Buffer {
  const format = options.format ?? "text";
  const writer = new ExpositionWriter(pageSizeHints[format], options.pool);
  const pages = pageWriter(writer, snapshot, options, undefined);
  while (!pages.next().done) {
    // runs to the end: no budget, no yield
  }
  return finish(writer, format);
}

/**
 * The same page as {@link serializePrometheusToBuffer}, written in slices of at most about
 * `sliceMs` with the event loop's turn between them (`setImmediate`), so that a large page
 * never holds the host's timers and I/O for the whole serialization (issue: 50 connections
 * scraping a 706 KB page made a 100 ms timer fire ~190 ms late). The snapshot must not change
 * meanwhile: collections are copies, which the store and the SDK make.
 */
export async function serializePrometheusSliced(
  snapshot: ResourceMetrics,
  options: SlicedSerializerOptions = {},
): Promise<Buffer> {
  const format = options.format ?? "text";
  const writer = new ExpositionWriter(pageSizeHints[format], options.pool);
  const clock = new SliceClock(options.sliceMs ?? 2);
  clock.restart();
  const pages = pageWriter(writer, snapshot, options, clock);
  while (!pages.next().done) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    clock.restart();
  }
  return finish(writer, format);
}

function pageWriter(
  writer: ExpositionWriter,
  snapshot: ResourceMetrics,
  options: PrometheusSerializerOptions,
  clock: SliceClock | undefined,
): Generator<void, void, void> {
  const plan = planExposition(snapshot, options);
  if (options.format === "protobuf") return writeProtobufPage(writer, plan, options.report, clock);
  return writeTextPage(writer, plan, options.format === "openmetrics", options.report, clock);
}

function finish(writer: ExpositionWriter, format: PrometheusFormat): Buffer {
  const page = writer.finish();
  pageSizeHints[format] = page.length;
  return page;
}
