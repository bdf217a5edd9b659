import type { DiagLogger } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { GoldenSignals, TelemetryCollector } from "zoran-telemetrie";
import {
  expectPromtoolParses,
  type ParsedFamily,
  parseWithPython,
  promtool,
  strictParser,
  sumParsed,
} from "../../helpers/exposition-check.js";
import { samplesOf } from "../../helpers/prometheus-samples.js";

/**
 * A page that always parses (issue 14): instruments that collide in every way the ecosystem
 * meets, checked by parsers we did not write (promtool for text 0.0.4, python3-prometheus-client's
 * strict OpenMetrics parser), with what was changed reported once and counted.
 */

function recordingDiag() {
  const warnings: string[] = [];
  const diag: DiagLogger = {
    error: (m) => warnings.push(m),
    warn: (m) => warnings.push(m),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  return { diag, warnings };
}

const collectors: TelemetryCollector[] = [];
function collector(options: ConstructorParameters<typeof TelemetryCollector>[0] = {}) {
  const created = new TelemetryCollector({
    serviceName: "rules",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    window: false,
    ...options,
  });
  collectors.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
});

/** The collisions of issue 14, recorded through the collector's meter provider like an app's SDK instruments. */
function recordCollisions(c: TelemetryCollector) {
  c.meterProvider.getMeter("lib-a", "1.0.0").createCounter("case.shared").add(1, { k: "v" });
  c.meterProvider.getMeter("lib-b", "2.0.0").createCounter("case.shared").add(5, { k: "v" });
  c.meter.createCounter("case.x").add(2);
  c.meter.createGauge("case.x_total").record(3);
  c.meter.createHistogram("case.h").record(0.5, { le: "x", route: "/a" });
  c.meter.createGauge("case.h_count").record(4);
  c.meter.createGauge("target.info").record(1);
  c.recordSignal(GoldenSignals.LATENCY, 0.2, { operation: "answer" });
  c.recordSignal(GoldenSignals.ERROR_RATE, 0, { operation: "answer" });
}

async function pages(c: TelemetryCollector) {
  return { text: await c.export("prometheus"), openMetrics: await c.export("openmetrics") };
}

function familyNames(parsed: readonly ParsedFamily[]) {
  return parsed.map((f) => f.name);
}

describe.skipIf(!strictParser || !promtool)("the Prometheus page with colliding instruments", () => {
  it("parses with promtool (text) and the strict OpenMetrics parser, keeping both meters' values", async () => {
    const c = collector();
    recordCollisions(c);
    const { text, openMetrics } = await pages(c);
    expectPromtoolParses(text);
    const parsedText = parseWithPython(text, "text");
    const parsedOm = parseWithPython(openMetrics, "openmetrics");
    // Same instrument name in two meters: two series told apart by their scope, 1 + 5.
    for (const parsed of [parsedText, parsedOm]) {
      expect(sumParsed(parsed, "case_shared_total")).toBe(6);
      expect(
        sumParsed(parsed, "case_shared_total", { otel_scope_name: "lib-a", otel_scope_version: "1.0.0" }),
      ).toBe(1);
      expect(
        sumParsed(parsed, "case_shared_total", { otel_scope_name: "lib-b", otel_scope_version: "2.0.0" }),
      ).toBe(5);
    }
    // The earlier family keeps its name; the later clashing ones are left out.
    expect(sumParsed(parsedOm, "case_x_total")).toBe(2);
    expect(familyNames(parsedOm)).not.toContain("case_x_total");
    expect(sumParsed(parsedOm, "case_h_count")).toBe(1);
    // One target_info, ours.
    expect(parsedOm.filter((f) => f.name === "target")).toHaveLength(1);
    expect(parsedOm.find((f) => f.name === "target")!.samples[0]!.labels.service_name).toBe("rules");
  });

  it("renames a histogram attribute `le` to exported_le instead of writing le twice", async () => {
    const c = collector();
    recordCollisions(c);
    const { text, openMetrics } = await pages(c);
    for (const [page, format] of [
      [text, "text"],
      [openMetrics, "openmetrics"],
    ] as const) {
      const buckets = parseWithPython(page, format)
        .flatMap((f) => f.samples)
        .filter((s) => s.name === "case_h_bucket");
      expect(buckets.length).toBe(16);
      for (const bucket of buckets) {
        expect(bucket.labels.exported_le).toBe("x");
        expect(bucket.labels.route).toBe("/a");
        expect(bucket.labels.le).toMatch(/^(\+Inf|[0-9.]+)$/);
      }
    }
    expect(text).not.toMatch(/[{,]le="x"/);
  });

  it("keeps the golden signals free of scope labels and gives application instruments theirs", async () => {
    const c = collector();
    recordCollisions(c);
    const parsed = parseWithPython(await c.export("openmetrics"), "openmetrics");
    for (const family of parsed.filter((f) => f.name.startsWith("zoran_"))) {
      for (const sample of family.samples) expect(sample.labels).not.toHaveProperty("otel_scope_name");
    }
    const latency = parsed.find((f) => f.name === "zoran_latency_seconds")!;
    expect(latency.samples.find((s) => s.name === "zoran_latency_seconds_count")!.labels).toEqual({
      operation: "answer",
      exchange: "none",
      outcome: "ok",
    });
    for (const name of ["case_x_total", "case_h_count"]) {
      for (const sample of parsed.flatMap((f) => f.samples).filter((s) => s.name === name)) {
        expect(sample.labels.otel_scope_name).toBe("rules");
      }
    }
  });

  it("reports each change once through diag and counts it by kind in zoran_telemetry_exposition_conflicts_total", async () => {
    const { diag, warnings } = recordingDiag();
    const c = collector({ diag });
    recordCollisions(c);
    const first = await c.export("openmetrics");
    await c.export("prometheus");
    await c.export("openmetrics");
    const conflictWarnings = warnings.filter((w) => w.includes("zoran_telemetry_exposition_conflicts_total"));
    // case.x_total, case.h_count and target.info left out; `le` renamed: four causes, once each
    // over three pages in two formats.
    expect(conflictWarnings).toHaveLength(4);
    expect(conflictWarnings.filter((w) => w.includes('"case.x_total"'))).toHaveLength(1);
    expect(conflictWarnings.some((w) => w.includes('"target.info"') && w.includes("target_info"))).toBe(true);
    expect(conflictWarnings.some((w) => w.includes('attribute "le" of "case.h"'))).toBe(true);
    // Names only: the warnings never quote a label value.
    for (const warning of conflictWarnings) expect(warning).not.toContain('"/a"');
    const parsed = parseWithPython(first, "openmetrics");
    expect(sumParsed(parsed, "zoran_telemetry_exposition_conflicts_total", { kind: "family_clash" })).toBe(3);
    expect(sumParsed(parsed, "zoran_telemetry_exposition_conflicts_total", { kind: "reserved_label" })).toBe(
      1,
    );
    // Counted per cause, not per scrape.
    const later = parseWithPython(await c.export("openmetrics"), "openmetrics");
    expect(sumParsed(later, "zoran_telemetry_exposition_conflicts_total")).toBe(4);
  });

  it("with prometheus.withoutScopeInfo leaves the scope labels out, and the later duplicate series with them", async () => {
    const { diag, warnings } = recordingDiag();
    const c = collector({ diag, prometheus: { withoutScopeInfo: true } });
    recordCollisions(c);
    const { text, openMetrics } = await pages(c);
    expectPromtoolParses(text);
    for (const [page, format] of [
      [text, "text"],
      [openMetrics, "openmetrics"],
    ] as const) {
      const parsed = parseWithPython(page, format);
      const shared = parsed.flatMap((f) => f.samples).filter((s) => s.name === "case_shared_total");
      // Without scope labels the two meters' series are one series: the first is kept.
      expect(shared).toEqual([expect.objectContaining({ labels: { k: "v" }, value: 1 })]);
      for (const sample of parsed.flatMap((f) => f.samples))
        expect(sample.labels).not.toHaveProperty("otel_scope_name");
    }
    expect(warnings.filter((w) => w.includes("duplicate_series"))).toHaveLength(1);
    expect(
      sumParsed(parseWithPython(openMetrics, "openmetrics"), "zoran_telemetry_exposition_conflicts_total", {
        kind: "duplicate_series",
      }),
    ).toBe(1);
  });

  it("refuses a withoutScopeInfo that is not a boolean with one warning, keeping the scope labels", async () => {
    const { diag, warnings } = recordingDiag();
    const c = collector({ diag, prometheus: { withoutScopeInfo: "yes" as unknown as boolean } });
    c.meter.createCounter("app.hits").add(1);
    expect(warnings.filter((w) => w.includes("prometheus.withoutScopeInfo"))).toHaveLength(1);
    expect(await c.export("prometheus")).toContain('app_hits_total{otel_scope_name="rules"} 1');
  });

  it("sanitizes label names per the compatibility spec: `.` to `_`, no `__` prefix, clashing keys joined with `;`", async () => {
    const { diag, warnings } = recordingDiag();
    const c = collector({ diag });
    c.meter.createCounter("app.calls").add(1, {
      "http.route": "/b",
      __name__: "evil",
      "1st": "one",
      "a.b": "dot",
      a_b: "underscore",
      "otel.scope.name": "fake",
    });
    const { text, openMetrics } = await pages(c);
    expectPromtoolParses(text);
    const [sample] = parseWithPython(openMetrics, "openmetrics")
      .flatMap((f) => f.samples)
      .filter((s) => s.name === "app_calls_total");
    expect(sample!.labels).toEqual({
      http_route: "/b",
      _name_: "evil",
      _1st: "one",
      // "a.b" < "a_b": the values in the order of their original keys.
      a_b: "dot;underscore",
      exported_otel_scope_name: "fake",
      otel_scope_name: "rules",
    });
    expect(warnings.filter((w) => w.includes('"a.b", "a_b"'))).toHaveLength(1);
    expect(samplesOf(text, "app_calls_total")).toHaveLength(1);
  });

  it("writes no _sum/_count in OpenMetrics for a histogram with negative buckets, so the strict parser takes it", async () => {
    const c = collector();
    // (The SDK drops negative values themselves; a negative bound is enough for the rule.)
    const h = c.meter.createHistogram("app.offset", { advice: { explicitBucketBoundaries: [-10, 0, 10] } });
    h.record(3);
    h.record(30);
    const { text, openMetrics } = await pages(c);
    expectPromtoolParses(text);
    const samples = parseWithPython(openMetrics, "openmetrics").flatMap((f) => f.samples);
    expect(samples.filter((s) => s.name === "app_offset_bucket").map((s) => s.value)).toEqual([0, 0, 1, 2]);
    expect(samples.some((s) => s.name === "app_offset_sum" || s.name === "app_offset_count")).toBe(false);
    // The text format 0.0.4 has no such rule: it keeps them for rate(x_count) queries.
    expect(samplesOf(text, "app_offset_count")[0]!.value).toBe(2);
  });

  it("is a real check: the strict parser rejects the clashes this serializer removes", () => {
    expect(() =>
      parseWithPython(
        "# TYPE case_x counter\ncase_x_total 2\n# TYPE case_x_total gauge\ncase_x_total 3\n# EOF\n",
        "openmetrics",
      ),
    ).toThrow(/Clashing name/);
    expect(() =>
      parseWithPython(
        '# TYPE h histogram\nh_bucket{le="x",le="1"} 0\nh_bucket{le="+Inf"} 1\n# EOF\n',
        "openmetrics",
      ),
    ).toThrow();
  });
});
