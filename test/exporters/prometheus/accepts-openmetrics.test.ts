import { describe, expect, it } from "vitest";
import { acceptsOpenMetrics } from "../../../src/exporters/prometheus/accepts-openmetrics.js";

describe("acceptsOpenMetrics", () => {
  it("serves OpenMetrics to what Prometheus 2.42 sends first", () => {
    expect(
      acceptsOpenMetrics(
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      ),
    ).toBe(true);
  });

  it("serves the text format to curl, browsers and clients that prefer it", () => {
    expect(acceptsOpenMetrics(undefined)).toBe(false);
    expect(acceptsOpenMetrics("*/*")).toBe(false);
    expect(acceptsOpenMetrics("text/html,application/xhtml+xml")).toBe(false);
    expect(acceptsOpenMetrics("text/plain;version=0.0.4,application/openmetrics-text;q=0.5")).toBe(false);
    expect(acceptsOpenMetrics("application/openmetrics-text;version=2.0.0")).toBe(false);
  });
});
