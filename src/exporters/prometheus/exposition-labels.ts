import type { Attributes, AttributeValue } from "@opentelemetry/api";
import type { ExpositionWriter } from "./exposition-writer.js";
import { sanitizeLabelName } from "./prometheus-names.js";

/**
 * Attributes to Prometheus labels, per the OpenTelemetry Prometheus-compatibility spec
 * (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#metric-attributes),
 * plus the renames that keep a page valid:
 *
 * - keys are sanitized (`http.route` -> `http_route`, `1st` -> `_1st`, repeated `_` collapsed, so
 *   nothing starts with `__`, which Prometheus reserves: `__name__` would rename the series);
 * - keys that sanitize to one name (`a.b`, `a_b`) give one label whose values are joined with `;`,
 *   ordered by the original keys (the spec's rule);
 * - a key named like a label the serializer writes itself (`le` on a histogram: `le` twice makes
 *   Prometheus fail the whole scrape; `otel_scope_name` beside the scope labels) becomes
 *   `exported_<name>`, the prefix Prometheus itself gives a scraped label that clashes with one it
 *   sets (`exported_job`);
 * - `null` and `undefined` values are left out; other values are written as strings (arrays as
 *   JSON), lone surrogates replaced so that the page stays valid UTF-8.
 *
 * Encodings are "byte strings" (one char per UTF-8 byte). Two caches keep a scrape from escaping
 * the same text again: per frozen attribute object (a store that hands the same object in every
 * snapshot), and per attribute key, then value (`operation="answer"`: a store that makes fresh
 * attribute objects at each collection, keeping none per series, as the struct-of-arrays store of
 * the recording kernel does; the pieces of a point are then joined, a few Map lookups per point).
 */

/** Label names whose meaning depends on where a series is written (never cached). */
const CONTEXT_LABELS: ReadonlySet<string> = new Set([
  "le",
  "quantile",
  "otel_scope_name",
  "otel_scope_version",
  "otel_scope_schema_url",
]);

/** Where a point's labels are written: the names the writer adds itself, and where renames are reported. */
export interface LabelContext {
  /** Label names the writer adds to this metric's samples (`le`, the scope labels). */
  readonly reserved: ReadonlySet<string>;
  /** Called for each rename or join (the page reports each cause once). */
  note(kind: "reserved_label" | "label_clash", detail: string): void;
}

/** A context without reserved names whose notes go nowhere (counters and gauges of our own store). */
export const PLAIN_CONTEXT: LabelContext = Object.freeze({
  reserved: new Set<string>(),
  note: () => {},
});

// `name="value"` pairs joined by `,` (no braces), per frozen attribute object.
const textCache = new WeakMap<Attributes, string>();
// Protobuf `Metric.label` fields (LabelPair messages), per frozen attribute object. Filled only
// by protobuf scrapes, so text-only users do not pay its memory.
const protoCache = new WeakMap<Attributes, string>();

/**
 * Encoded `name="value"` pieces (text) and `LabelPair` fields (protobuf) by attribute key, then
 * value: escaped once per distinct value, not once per series, with a bound on what is kept.
 */
interface KeyPieces {
  readonly label: string;
  /** A name whose meaning depends on where it is written (`le`, the scope labels): never pieced. */
  readonly contextual: boolean;
  readonly text: Map<string, string>;
  readonly proto: Map<string, string>;
}
const pieces = new Map<string, KeyPieces>();
let pieceCount = 0;
const PIECE_LIMIT = 100_000;

function keyPieces(key: string): KeyPieces {
  let entry = pieces.get(key);
  if (entry === undefined) {
    if (pieceCount >= PIECE_LIMIT || pieces.size >= 10_000) {
      pieces.clear();
      pieceCount = 0;
    }
    const label = sanitizeLabelName(key);
    entry = { label, contextual: CONTEXT_LABELS.has(label), text: new Map(), proto: new Map() };
    pieces.set(key, entry);
  }
  return entry;
}

/**
 * The labels of `attributes` joined from cached pieces, or undefined when the general path must
 * decide: a value that is not a string, a contextual name, two keys meeting on one label.
 */
function piecedLabels(attributes: Attributes, proto: boolean): string | undefined {
  let out = "";
  let first: string | undefined;
  let more: string[] | undefined;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") return undefined;
    const entry = keyPieces(key);
    if (entry.contextual) return undefined;
    const label = entry.label;
    if (first === undefined) {
      first = label;
    } else if (label === first || more?.includes(label)) {
      return undefined;
    } else {
      more ??= [];
      more.push(label);
    }
    const cache = proto ? entry.proto : entry.text;
    let piece = cache.get(value);
    if (piece === undefined) {
      piece = proto
        ? labelPairFields([label], [value.toWellFormed()])
        : toByteString(`${label}="${escapeLabelValue(value.toWellFormed())}"`);
      if (pieceCount < PIECE_LIMIT) {
        cache.set(value, piece);
        pieceCount++;
      }
    }
    out = out === "" ? piece : proto ? out + piece : `${out},${piece}`;
  }
  return out;
}

/** Label pairs of an attribute set in a context, and whether the result may be cached. */
interface ResolvedLabels {
  readonly names: string[];
  readonly values: string[];
  readonly cacheable: boolean;
}

function resolveLabels(attributes: Attributes, context: LabelContext): ResolvedLabels {
  const names: string[] = [];
  const values: string[] = [];
  const keys: string[] = [];
  // Original keys of each label, only when two keys met on one name.
  let joined: Map<number, { key: string; value: string }[]> | undefined;
  let cacheable = true;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    let name = sanitizeLabelName(key);
    if (CONTEXT_LABELS.has(name)) {
      cacheable = false;
      if (context.reserved.has(name)) {
        context.note("reserved_label", key);
        name = `exported_${name}`;
      }
    }
    const text = stringifyValue(value);
    const at = names.indexOf(name);
    if (at < 0) {
      names.push(name);
      values.push(text);
      keys.push(key);
      continue;
    }
    cacheable = false;
    joined ??= new Map();
    let group = joined.get(at);
    if (group === undefined) {
      group = [{ key: keys[at]!, value: values[at]! }];
      joined.set(at, group);
    }
    group.push({ key, value: text });
  }
  if (joined !== undefined) {
    for (const [at, group] of joined) {
      group.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      values[at] = group.map((entry) => entry.value).join(";");
      context.note("label_clash", group.map((entry) => `"${entry.key}"`).join(", "));
    }
  }
  return { names, values, cacheable };
}

function stringifyValue(value: AttributeValue): string {
  // Lone surrogates would make the body invalid UTF-8; scrape parsers reject the whole page.
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/**
 * Labels of a point in the text formats: `name="value"` pairs joined by `,`, without braces, as a
 * byte string. Frozen attribute objects are encoded once.
 */
export function textLabels(attributes: Attributes, context: LabelContext): string {
  const frozen = Object.isFrozen(attributes);
  if (frozen) {
    const cached = textCache.get(attributes);
    if (cached !== undefined) return cached;
  } else {
    // A fresh object per collection: from the pieces (a frozen one is cached whole, flat, below).
    const pieced = piecedLabels(attributes, false);
    if (pieced !== undefined) return pieced;
  }
  const { names, values, cacheable } = resolveLabels(attributes, context);
  const pairs: string[] = [];
  for (let i = 0; i < names.length; i++) pairs.push(`${names[i]}="${escapeLabelValue(values[i]!)}"`);
  // join() makes one flat string: `+=` left a tree of cons strings behind each cached label
  // (~30 bytes per series at steady state, heap snapshot in bench/memory.bench.ts).
  const bytes = toByteString(pairs.join(","));
  if (cacheable && frozen) textCache.set(attributes, bytes);
  return bytes;
}

/**
 * Writes the labels of a point in the text formats (as {@link textLabels} returns them) straight
 * into the page: a fresh attribute object's pieces are written one by one, with no string built
 * for the point (the kernel's store makes one such object per series and collection).
 */
export function writeTextLabels(
  writer: ExpositionWriter,
  attributes: Attributes,
  context: LabelContext,
): void {
  if (!Object.isFrozen(attributes)) {
    const start = writer.position;
    if (writePieces(writer, attributes)) return;
    writer.rewind(start);
  }
  writer.bytes(textLabels(attributes, context));
}

/** {@link writeTextLabels} for protobuf `Metric.label` fields. */
export function writeProtoLabels(
  writer: ExpositionWriter,
  attributes: Attributes,
  context: LabelContext,
): void {
  if (!Object.isFrozen(attributes)) {
    const start = writer.position;
    if (writePieces(writer, attributes, true)) return;
    writer.rewind(start);
  }
  writer.bytes(protoLabels(attributes, context));
}

/** Writes the pieces of `attributes`; false (part written) when the general path must decide. */
function writePieces(writer: ExpositionWriter, attributes: Attributes, proto = false): boolean {
  let first: string | undefined;
  let more: string[] | undefined;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") return false;
    const entry = keyPieces(key);
    if (entry.contextual) return false;
    const label = entry.label;
    if (first === undefined) {
      first = label;
    } else if (label === first || more?.includes(label)) {
      return false;
    } else {
      more ??= [];
      more.push(label);
      if (!proto) writer.byte(0x2c); // ,
    }
    const cache = proto ? entry.proto : entry.text;
    let piece = cache.get(value);
    if (piece === undefined) {
      piece = proto
        ? labelPairFields([label], [value.toWellFormed()])
        : toByteString(`${label}="${escapeLabelValue(value.toWellFormed())}"`);
      if (pieceCount < PIECE_LIMIT) {
        cache.set(value, piece);
        pieceCount++;
      }
    }
    writer.bytes(piece);
  }
  return true;
}

/** Labels of a point as protobuf `Metric.label` fields (repeated `LabelPair`), as a byte string. */
export function protoLabels(attributes: Attributes, context: LabelContext): string {
  const frozen = Object.isFrozen(attributes);
  if (frozen) {
    const cached = protoCache.get(attributes);
    if (cached !== undefined) return cached;
  } else {
    // A fresh object per collection: from the pieces (a frozen one is cached whole, flat, below).
    const pieced = piecedLabels(attributes, true);
    if (pieced !== undefined) return pieced;
  }
  const { names, values, cacheable } = resolveLabels(attributes, context);
  const bytes = labelPairFields(names, values);
  if (cacheable && frozen) protoCache.set(attributes, bytes);
  return bytes;
}

/** `label` fields (field 1 of `Metric` and `Exemplar`) of the given pairs, as a byte string. */
export function labelPairFields(names: readonly string[], values: readonly string[]): string {
  let out = "";
  for (let i = 0; i < names.length; i++) {
    const name = toByteString(names[i]!);
    const value = toByteString(values[i]!);
    // LabelPair { name = 1; value = 2 }, both length-delimited.
    const pair = `\u000a${varintBytes(name.length)}${name}\u0012${varintBytes(value.length)}${value}`;
    out += `\u000a${varintBytes(pair.length)}${pair}`;
  }
  return out;
}

/** A non-negative integer as protobuf varint bytes, in a byte string. */
export function varintBytes(value: number): string {
  let out = "";
  let rest = value;
  while (rest >= 0x80) {
    out += String.fromCharCode((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  return out + String.fromCharCode(rest);
}

/**
 * Escaped `key="value"` pairs of an attribute set, without braces, as text (not a byte string):
 * for tools that build lines of their own (bench/lib/floor-serializer.ts).
 */
export function encodeLabels(attributes: Attributes): string {
  const bytes = textLabels(attributes, PLAIN_CONTEXT);
  return ASCII.test(bytes) ? bytes : Buffer.from(bytes, "latin1").toString("utf8");
}

/** Label values escape backslash, double quote and line feed (both text formats). */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
    : value;
}

const ASCII = /^[\u0000-\u007f]*$/;

/** `text` with one char per UTF-8 byte: itself when ASCII, else its UTF-8 bytes read as latin1. */
export function toByteString(text: string): string {
  return ASCII.test(text) ? text : Buffer.from(text, "utf8").toString("latin1");
}
