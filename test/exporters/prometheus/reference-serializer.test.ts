import type { Attributes, AttributeValue } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  serializePrometheus,
  serializePrometheusToBuffer,
} from "../../../src/exporters/prometheus/prometheus-serializer.js";
import { propertyRuns } from "../../helpers/property-runs.js";
import { referenceSerializePrometheus } from "../../helpers/reference-prometheus-serializer.js";

// Deterministic: propertyRuns() gives every fc.assert the fixed seed PROPERTY_SEED (20261201,
// printed) and a fixed run count; only `npm run fuzz` draws random seeds.
const TIME: [number, number] = [1_700_000_000, 0];

/** Asserts equal pages, reporting the first differing line (a diff of megabytes would stall). */
function expectSamePage(actual: string, expected: string): void {
  if (actual === expected) return;
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  const start = expected.lastIndexOf("\n", i - 1) + 1;
  expect(actual.slice(start, i + 80)).toBe(expected.slice(start, i + 80));
  expect(actual.length).toBe(expected.length);
}

// Text that exercises escaping and encoding: quotes, backslashes, line feeds, non-ASCII (2-, 3-
// and 4-byte UTF-8) and lone surrogates.
const trickyText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('a"b', "back\\slash", "line\nfeed", "é", "数据", "🤖 bot", "\ud800x", "x\udfff", ""),
  fc.string({ unit: "grapheme", maxLength: 6 }),
);

const attributeValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  trickyText,
  fc.integer({ min: -1000, max: 1000 }),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
);

// Keys that sanitize into collisions (`a.b` / `a_b`), names Prometheus reserves (`__name__`), names
// the serializer writes itself (`le`, the scope labels) and their renamed forms, leading digits.
const attributeKey = fc.constantFrom(
  "operation",
  "exchange",
  "a.b",
  "a_b",
  "__reserved",
  "__name__",
  "1st",
  "le",
  "le_x",
  "exported_le",
  "otel.scope.name",
  "otel_scope_version",
  "ü",
);

const attributes: fc.Arbitrary<Attributes> = fc
  .tuple(
    fc.dictionary(attributeKey, fc.option(attributeValue, { nil: undefined }), { maxKeys: 4 }),
    fc.boolean(),
  )
  .map(([dict, frozen]) => (frozen ? Object.freeze({ ...dict }) : { ...dict }) as Attributes);

const sampleValue = fc.oneof(
  fc.double(),
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.constantFrom(
    0,
    -0,
    1e21,
    9007199254740991,
    9007199254740992,
    0.1,
    -5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ),
);

const descriptor = fc.record({
  name: fc.constantFrom(
    "zoran.requests",
    "zoran.latency",
    "app.queue_depth",
    "app.total",
    "9lives",
    "app-name",
  ),
  description: fc.oneof(trickyText, fc.constant("")),
  unit: fc.constantFrom("", "1", "s", "By", "{token}", "ms", "m/s"),
});

// Exemplars as the store attaches them (point-extensions.ts), some malformed (left out).
const exemplar = fc.oneof(
  fc.record({
    value: fc.double({ noNaN: true, noDefaultInfinity: true }),
    timeUnixMs: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
    traceId: fc.stringMatching(/^[0-9a-f]{32}$/),
    spanId: fc.stringMatching(/^[0-9a-f]{16}$/),
  }),
  fc.constant({ value: 1, timeUnixMs: 1_700_000_000_000, traceId: 'x"}', spanId: "0123456789abcdef" }),
);
const exemplars = fc.option(fc.array(fc.option(exemplar, { nil: undefined }), { maxLength: 8 }), {
  nil: undefined,
});

const point = <T>(value: fc.Arbitrary<T>) =>
  fc.record({ attributes, value, exemplars }).map(({ exemplars: list, ...p }) => ({
    startTime: TIME,
    endTime: TIME,
    ...p,
    ...(list === undefined ? {} : { exemplars: list }),
  }));

const histogramValue = fc
  .uniqueArray(fc.double({ min: -100, max: 100, noNaN: true }), { maxLength: 5 })
  .chain((bounds) => {
    const boundaries = [...bounds].sort((a, b) => a - b);
    return fc.record({
      buckets: fc.record({
        boundaries: fc.constant(boundaries),
        counts: fc.array(fc.integer({ min: 0, max: 1000 }), {
          minLength: boundaries.length + 1,
          maxLength: boundaries.length + 1,
        }),
      }),
      sum: fc.option(fc.double(), { nil: undefined }),
      count: fc.integer({ min: 0, max: 10_000 }),
    });
  });

const metric: fc.Arbitrary<MetricData> = fc.oneof(
  fc
    .record({
      descriptor,
      isMonotonic: fc.boolean(),
      dataPoints: fc.array(point(sampleValue), { maxLength: 4 }),
    })
    .map(
      (m) =>
        ({
          ...m,
          descriptor: { ...m.descriptor, valueType: 1 },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
        }) as MetricData,
    ),
  fc.record({ descriptor, dataPoints: fc.array(point(sampleValue), { maxLength: 4 }) }).map(
    (m) =>
      ({
        ...m,
        descriptor: { ...m.descriptor, valueType: 1 },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
      }) as MetricData,
  ),
  fc.record({ descriptor, dataPoints: fc.array(point(histogramValue), { maxLength: 3 }) }).map(
    (m) =>
      ({
        ...m,
        descriptor: { ...m.descriptor, valueType: 1 },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
      }) as MetricData,
  ),
);

const snapshot: fc.Arbitrary<ResourceMetrics> = fc
  .record({
    resource: fc.dictionary(fc.constantFrom("service.name", "host.name", "k8s.pod"), trickyText, {
      maxKeys: 3,
    }),
    // Our own scope (no scope labels, first claim on names) and application scopes.
    scopes: fc.array(
      fc.record({
        scope: fc.constantFrom(
          { name: "zoran-telemetrie", version: "0.1.0" },
          { name: "fuzz" },
          { name: "fuzz", version: "2.0" },
          { name: 'lib "b"', version: "1", schemaUrl: "https://opentelemetry.io/schemas/1.30.0" },
        ),
        metrics: fc.array(metric, { maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ resource, scopes }) => ({
    resource: resourceFromAttributes(resource),
    scopeMetrics: scopes,
  }));

const options = fc.record({
  format: fc.constantFrom("text" as const, "openmetrics" as const),
  targetInfo: fc.boolean(),
  withoutScopeInfo: fc.boolean(),
});

describe("serializePrometheus (fast) against the reference serializer", () => {
  it("writes the same page as the reference on random snapshots, in both formats", () => {
    fc.assert(
      fc.property(snapshot, options, (input, opts) => {
        // Compared as the UTF-8 bytes a scrape receives: a lone surrogate in a HELP text is one
        // U+FFFD on the wire for both (the fast one already writes it so in its string).
        const expected = Buffer.from(referenceSerializePrometheus(input, opts), "utf8").toString("utf8");
        expectSamePage(serializePrometheus(input, opts), expected);
        // Second call: label and bound caches are now warm and must not change a byte.
        expectSamePage(serializePrometheus(input, opts), expected);
        expectSamePage(serializePrometheusToBuffer(input, opts).toString("utf8"), expected);
      }),
      propertyRuns(500),
    );
  });

  it("writes pages larger than its reused scratch buffer, with multi-byte text across chunk edges", () => {
    // ~3 MB: three scratch chunks; the 3-byte `数` lands across a chunk boundary somewhere.
    const dataPoints = Array.from({ length: 20_000 }, (_, i) => ({
      startTime: TIME,
      endTime: TIME,
      attributes: Object.freeze({ operation: `数据_${i}`, exchange: "ai_ai", outcome: "ok" }),
      value: {
        buckets: { boundaries: [0.01, 0.02, 0.04], counts: [i, 1, 2, 3] },
        sum: i * 0.5,
        count: i + 6,
      },
    }));
    const big: ResourceMetrics = {
      resource: resourceFromAttributes({ "service.name": "big" }),
      scopeMetrics: [
        {
          scope: { name: "big" },
          metrics: [
            {
              descriptor: { name: "zoran.latency", description: "Latency", unit: "s", valueType: 1 },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.HISTOGRAM,
              dataPoints,
            },
          ],
        },
      ],
    };
    const expected = referenceSerializePrometheus(big, { format: "text" });
    expect(Buffer.byteLength(expected)).toBeGreaterThan(2 * (1 << 20));
    expectSamePage(serializePrometheus(big, { format: "text" }), expected);
    expectSamePage(serializePrometheusToBuffer(big, { format: "text" }).toString("utf8"), expected);
  });

  it("re-reads values on every call while reusing a frozen series' encoded labels", () => {
    const labels = Object.freeze({ operation: "chat", exchange: "ai_human" });
    const page = (value: number): ResourceMetrics => ({
      resource: resourceFromAttributes({}),
      scopeMetrics: [
        {
          // The store's scope: no scope labels.
          scope: { name: "zoran-telemetrie", version: "0.1.0" },
          metrics: [
            {
              descriptor: { name: "zoran.requests", description: "", unit: "", valueType: 1 },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.SUM,
              isMonotonic: true,
              dataPoints: [{ startTime: TIME, endTime: TIME, attributes: labels, value }],
            },
          ],
        },
      ],
    });
    expect(serializePrometheus(page(1))).toContain(
      'zoran_requests_total{operation="chat",exchange="ai_human"} 1\n',
    );
    expect(serializePrometheus(page(42.5))).toContain(
      'zoran_requests_total{operation="chat",exchange="ai_human"} 42.5\n',
    );
  });
});
