import { isAscii } from "node:buffer";
import type { Attributes, AttributeValue } from "@opentelemetry/api";
import {
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { type PrometheusFamily, prometheusFamily, sanitizeLabelName } from "./prometheus-names.js";

/** Exposition formats of `/metrics`. */
export type PrometheusFormat = "text" | "openmetrics";

/** Content types of the two exposition formats. */
export const CONTENT_TYPES: Readonly<Record<PrometheusFormat, string>> = {
  text: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

/** Options of {@link serializePrometheus}. */
export interface PrometheusSerializerOptions {
  /** Text format 0.0.4 or OpenMetrics 1.0.0. @default "text" */
  format?: PrometheusFormat;
  /** Emit `target_info` with the resource attributes. @default true */
  targetInfo?: boolean;
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

// Encoded `key="value"` pairs as a byte string, keyed by attribute object: escaped once per
// series, not per scrape. A WeakMap: series never leak through it. Only frozen objects are
// cached: a mutable one could change between scrapes.
const labelCache = new WeakMap<Attributes, string>();
// `le="0.01"} ` suffixes of each bucket line, per bounds array (shared by all series of a metric).
const boundCache = new WeakMap<readonly number[], string[]>();
// HELP, TYPE and sample-name heads per family name, format and help text (few: one per metric).
const headCache = new Map<string, FamilyHeads>();
const HEAD_CACHE_LIMIT = 1000;

// Size of the last page written, in bytes: the next page's buffer starts at about this size.
let pageSizeHint = 16 * 1024;

/**
 * Writes a snapshot in the Prometheus text format 0.0.4 or OpenMetrics 1.0.0. A pure function of
 * its input (the caches above only remember escaping work). Families with the same Prometheus
 * name are merged; a later family whose type conflicts with an earlier one is left out.
 *
 * @example
 * const body = serializePrometheus(await collector.collect(), { format: "openmetrics" });
 */
export function serializePrometheus(
  snapshot: ResourceMetrics,
  options: PrometheusSerializerOptions = {},
): string {
  const writer = new ExpositionWriter();
  writeExposition(writer, snapshot, options);
  return writer.toText();
}

/**
 * The same page as {@link serializePrometheus}, as UTF-8 bytes ready for a response body: skips
 * decoding the page to a string and encoding it back. The Buffer is the caller's own.
 */
export function serializePrometheusToBuffer(
  snapshot: ResourceMetrics,
  options: PrometheusSerializerOptions = {},
): Buffer {
  const writer = new ExpositionWriter();
  writeExposition(writer, snapshot, options);
  return writer.toBuffer();
}

interface FamilyGroup {
  family: PrometheusFamily;
  help: string;
  metrics: MetricData[];
}

/** Byte strings of one family that do not depend on a data point. */
interface FamilyHeads {
  /** `# HELP`/`# TYPE`/`# UNIT` lines. */
  readonly header: string;
  /** Sample name of counters and gauges, e.g. `zoran_requests_total`. */
  readonly sample: string;
  /** `name_bucket{` */
  readonly bucket: string;
  /** `name_sum` */
  readonly sum: string;
  /** `name_count` */
  readonly count: string;
}

function writeExposition(
  writer: ExpositionWriter,
  snapshot: ResourceMetrics,
  options: PrometheusSerializerOptions,
) {
  const openMetrics = options.format === "openmetrics";
  const families = new Map<string, FamilyGroup>();
  for (const scope of snapshot.scopeMetrics) {
    for (const metric of scope.metrics) {
      const family = prometheusFamily(metric);
      if (family === undefined) continue;
      const existing = families.get(family.family);
      if (existing === undefined) {
        families.set(family.family, { family, help: metric.descriptor.description, metrics: [metric] });
      } else if (existing.family.type === family.type) {
        existing.metrics.push(metric);
      }
    }
  }

  if (options.targetInfo !== false) writer.bytes(targetInfo(snapshot, openMetrics));
  for (const group of families.values()) {
    const heads = familyHeads(group, openMetrics);
    writer.bytes(heads.header);
    for (const metric of group.metrics) {
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        for (const point of metric.dataPoints) writeHistogram(writer, heads, point.attributes, point.value);
      } else if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) {
        for (const point of metric.dataPoints) {
          writer.bytes(heads.sample);
          const labels = labelBytes(point.attributes);
          if (labels !== "") {
            writer.byte(0x7b); // {
            writer.bytes(labels);
            writer.byte(0x7d); // }
          }
          writer.byte(0x20);
          writer.number(point.value);
          writer.byte(0x0a);
        }
      }
    }
  }
  if (openMetrics) writer.bytes("# EOF\n");
}

function writeHistogram(
  writer: ExpositionWriter,
  heads: FamilyHeads,
  attributes: Attributes,
  value: Histogram,
) {
  const labels = labelBytes(attributes);
  const suffixes = boundSuffixes(value.buckets.boundaries);
  const counts = value.buckets.counts;
  const bounds = suffixes.length - 1;
  // `name_bucket{labels,` is written once, then copied inside the buffer for the other buckets:
  // one memmove instead of a charCodeAt loop over ~70 bytes (profile at 10,000 sets: that loop
  // was 1/3 of a scrape; serializing 10,000 sets went from 35 to 16 ms, best of 30).
  const prefixStart = writer.position;
  writer.bytes(heads.bucket);
  if (labels !== "") {
    writer.bytes(labels);
    writer.byte(0x2c); // ,
  }
  const prefixLength = writer.position - prefixStart;
  let cumulative = 0;
  for (let i = 0; i <= bounds; i++) {
    cumulative += counts[i] ?? 0;
    if (i > 0) writer.repeat(prefixStart, prefixLength);
    writer.bytes(suffixes[i]!);
    writer.number(cumulative);
    writer.byte(0x0a);
  }
  writer.bytes(heads.sum);
  writeBracedLabels(writer, labels);
  writer.number(value.sum ?? 0);
  writer.byte(0x0a);
  writer.bytes(heads.count);
  writeBracedLabels(writer, labels);
  writer.number(value.count);
  writer.byte(0x0a);
}

/** `{labels} ` or ` ` when there are none. */
function writeBracedLabels(writer: ExpositionWriter, labels: string): void {
  if (labels !== "") {
    writer.byte(0x7b);
    writer.bytes(labels);
    writer.byte(0x7d);
  }
  writer.byte(0x20);
}

function familyHeads({ family, help }: FamilyGroup, openMetrics: boolean): FamilyHeads {
  const key = `${openMetrics ? "o" : "t"}\u0000${family.family}\u0000${family.type}\u0000${family.unit}\u0000${help}`;
  let heads = headCache.get(key);
  if (heads !== undefined) return heads;
  const name = openMetrics || family.type !== "counter" ? family.family : family.sampleName;
  const helpLine = `# HELP ${name} ${escapeHelp(help || family.family, openMetrics)}\n`;
  let header: string;
  if (openMetrics) {
    header = `# TYPE ${name} ${family.type}\n`;
    if (family.unit !== "") header += `# UNIT ${name} ${family.unit}\n`;
    header += helpLine;
  } else {
    header = `${helpLine}# TYPE ${name} ${family.type}\n`;
  }
  heads = {
    header: toByteString(header),
    sample: toByteString(family.sampleName),
    bucket: toByteString(`${family.family}_bucket{`),
    sum: toByteString(`${family.family}_sum`),
    count: toByteString(`${family.family}_count`),
  };
  if (headCache.size >= HEAD_CACHE_LIMIT) headCache.clear();
  headCache.set(key, heads);
  return heads;
}

function targetInfo(snapshot: ResourceMetrics, openMetrics: boolean): string {
  const labels = toByteString(encodeLabels(snapshot.resource.attributes, false));
  const help = "Target metadata";
  if (openMetrics) return `# TYPE target info\n# HELP target ${help}\ntarget_info{${labels}} 1\n`;
  return `# HELP target_info ${help}\n# TYPE target_info gauge\ntarget_info{${labels}} 1\n`;
}

/** Labels of a data point as a byte string, cached per frozen attribute object. */
function labelBytes(attributes: Attributes): string {
  const cached = labelCache.get(attributes);
  if (cached !== undefined) return cached;
  const bytes = labelPieces(attributes) ?? toByteString(encodeLabels(attributes, false));
  if (Object.isFrozen(attributes)) labelCache.set(attributes, bytes);
  return bytes;
}

// Encoded `key="value"` byte strings by label key, then value: escaped once per distinct value,
// not once per series. The golden-signal store makes a fresh attribute object per data point at
// each collection (it keeps none per series: the <= 250 bytes per series target, bench/memory.bench.ts),
// so a cache by object identity would miss on every scrape; this one costs a few Map lookups per
// point and memory per distinct value (an operation name is shared by its series). Bounded.
interface LabelKey {
  /** The sanitized label name, or undefined when the key is left out (`__` prefix). */
  readonly label: string | undefined;
  readonly pieces: Map<string, string>;
}
const pieceCache = new Map<string, LabelKey>();
let pieceCount = 0;
const PIECE_LIMIT = 100_000;

/**
 * The labels of `attributes` from {@link pieceCache}, exactly as `toByteString(encodeLabels(...))`
 * writes them; undefined when a value is not a string (the general path handles it).
 */
function labelPieces(attributes: Attributes): string | undefined {
  const keys = Object.keys(attributes);
  let out = "";
  let first: string | undefined;
  let seen: string[] | undefined;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") return undefined;
    let entry = pieceCache.get(key);
    if (entry === undefined) {
      const label = sanitizeLabelName(key);
      entry = { label: label.startsWith("__") ? undefined : label, pieces: new Map() };
      if (pieceCount >= PIECE_LIMIT) {
        pieceCache.clear();
        pieceCount = 0;
      }
      pieceCache.set(key, entry);
    }
    const label = entry.label;
    if (label === undefined) continue;
    // Two keys that sanitize to the same label: the first wins (see encodeLabels).
    if (first === undefined) {
      first = label;
    } else if (label === first || seen?.includes(label)) {
      continue;
    } else {
      seen ??= [];
      seen.push(label);
    }
    let piece = entry.pieces.get(value);
    if (piece === undefined) {
      piece = toByteString(`${label}="${escapeLabelValue(value.toWellFormed())}"`);
      if (pieceCount++ < PIECE_LIMIT) entry.pieces.set(value, piece);
    }
    out = out === "" ? piece : `${out},${piece}`;
  }
  return out;
}

/** Escaped `key="value"` pairs of an attribute set, without braces. */
export function encodeLabels(attributes: Attributes, cache = true): string {
  if (cache) {
    const cached = labelCache.get(attributes);
    // A cached byte string is the text itself when it is ASCII (the usual case).
    if (cached !== undefined && ASCII.test(cached)) return cached;
  }
  const pairs: string[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const label = sanitizeLabelName(key);
    // Two keys that sanitize to the same label (`a.b`, `a_b`): the first wins, as duplicate
    // labels would make the whole scrape invalid.
    if (seen.has(label) || label.startsWith("__")) continue;
    seen.add(label);
    pairs.push(`${label}="${escapeLabelValue(stringifyValue(value))}"`);
  }
  // join() makes one flat string: `+=` left a tree of cons strings behind each cached label
  // (~30 bytes per series at steady state, heap snapshot in bench/memory.bench.ts).
  return pairs.join(",");
}

function stringifyValue(value: AttributeValue): string {
  // Lone surrogates would make the body invalid UTF-8; scrape parsers reject the whole page.
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function boundSuffixes(boundaries: readonly number[]): string[] {
  let suffixes = boundCache.get(boundaries);
  if (suffixes === undefined) {
    suffixes = boundaries.map((bound) => toByteString(`le="${formatNumber(bound)}"} `));
    suffixes.push('le="+Inf"} ');
    // By identity, frozen or not: the store and the OpenTelemetry SDK keep one bounds array per
    // instrument and never change it.
    boundCache.set(boundaries, suffixes);
  }
  return suffixes;
}

/** A sample value as Prometheus writes it (`+Inf`, `-Inf`, `NaN`, shortest round-trip decimal). */
export function formatNumber(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

/** Label values escape backslash, double quote and line feed (both formats). */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
    : value;
}

function escapeHelp(help: string, openMetrics: boolean): string {
  let out = help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  if (openMetrics) out = out.replace(/"/g, '\\"');
  return out;
}

const ASCII = /^[\u0000-\u007f]*$/;

/** `text` with one char per UTF-8 byte: itself when ASCII, else its UTF-8 bytes read as latin1. */
function toByteString(text: string): string {
  return ASCII.test(text) ? text : Buffer.from(text, "utf8").toString("latin1");
}

/**
 * Appends byte strings and numbers to one Buffer sized from the previous page, growing it (by
 * doubling) only when the page grew. Strings are copied with a `charCodeAt` loop: for the
 * 10-100 byte pieces of a page it beats `Buffer#write` (a C++ call per piece).
 */
class ExpositionWriter {
  private buffer: Buffer;
  private pos = 0;

  constructor() {
    // Sized from the previous page (a number, not a retained buffer): no copy in steady state.
    // A first version reused a 1 MiB scratch and copied chunks out: `Buffer.concat` and the chunk
    // copies were 25% of a 10,000-set scrape in the profile.
    this.buffer = Buffer.allocUnsafe(pageSizeHint + (pageSizeHint >> 4) + 1024);
  }

  /** Writes a byte string (every char < 256). */
  bytes(text: string): void {
    const length = text.length;
    if (this.pos + length > this.buffer.length) this.grow(length);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let i = 0; i < length; i++) buffer[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Bytes written so far. */
  get position(): number {
    return this.pos;
  }

  /** Writes again the `length` bytes written at `start` (grow() keeps offsets). */
  repeat(start: number, length: number): void {
    if (this.pos + length > this.buffer.length) this.grow(length);
    this.buffer.copyWithin(this.pos, start, start + length);
    this.pos += length;
  }

  /** Writes one byte. */
  byte(value: number): void {
    if (this.pos === this.buffer.length) this.grow(1);
    this.buffer[this.pos++] = value;
  }

  /** Writes a sample value as {@link formatNumber} does; safe integers without a string. */
  number(value: number): void {
    if (value >= 0 && value <= Number.MAX_SAFE_INTEGER && Math.floor(value) === value) {
      // Digits of a non-negative safe integer, as String(value) writes them (no exponent below 1e21).
      if (this.pos + 16 > this.buffer.length) this.grow(16);
      const buffer = this.buffer;
      if (value < 10) {
        buffer[this.pos++] = 0x30 + value;
        return;
      }
      let digits = 1;
      for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
      let pos = this.pos + digits;
      this.pos = pos;
      for (let rest = value; digits > 0; digits--) {
        const next = Math.floor(rest / 10);
        buffer[--pos] = 0x30 + (rest - next * 10);
        rest = next;
      }
      return;
    }
    this.bytes(formatNumber(value));
  }

  /** The page as a string (decoded once: latin1 when ASCII, the usual case, else UTF-8). */
  toText(): string {
    const page = this.finish();
    return page.toString(isAscii(page) ? "latin1" : "utf8");
  }

  /** The page as a Buffer of its own. */
  toBuffer(): Buffer {
    return this.finish();
  }

  private finish(): Buffer {
    pageSizeHint = this.pos;
    return this.buffer.subarray(0, this.pos);
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + needed + 1024));
    this.buffer.copy(bigger, 0, 0, this.pos);
    this.buffer = bigger;
  }
}
