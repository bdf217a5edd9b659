import { describe, expect, it } from "vitest";
import { pushgatewayPath } from "../../../src/exporters/pushgateway/pushgateway-exporter.js";

describe("pushgatewayPath", () => {
  it("puts the job first, then the grouping key in its order, URL-escaped", () => {
    expect(pushgatewayPath("nightly", { instance: "db 1", shard: "ä" })).toBe(
      "/metrics/job/nightly/instance/db%201/shard/%C3%A4",
    );
  });

  it("base64url-encodes values with a slash and empty values, as the Pushgateway API asks", () => {
    expect(pushgatewayPath("a/b", { path: "/var/x", empty: "" })).toBe(
      "/metrics/job@base64/YS9i/path@base64/L3Zhci94/empty@base64/=",
    );
  });

  it("refuses label names Prometheus would refuse, and a second job", () => {
    expect(() => pushgatewayPath("j", { "bad-name": "x" })).toThrow('"bad-name" is not a valid label name');
    expect(() => pushgatewayPath("j", { job: "x" })).toThrow('"job"');
  });
});
