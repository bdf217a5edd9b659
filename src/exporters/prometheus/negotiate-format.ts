import type { PrometheusFormat } from "./prometheus-serializer.js";

/**
 * The exposition format an `Accept` header asks for. Prometheus 2.x sends
 * `application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,
 * text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`, and, started with
 * `--enable-feature=native-histograms`, puts
 * `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited`
 * first. The format listed with the highest quality wins; on a tie protobuf, then OpenMetrics 1.0.0,
 * then text. Anything else (curl's `*\/*`, a browser) gets the text format 0.0.4.
 */
export function negotiateFormat(accept: string | undefined): PrometheusFormat {
  if (!accept) return "text";
  let protobufQ = -1;
  let openMetricsQ = -1;
  let textQ = -1;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    let q = 1;
    let version = "";
    let proto = "";
    let encoding = "";
    for (const param of params) {
      const eq = param.indexOf("=");
      const key = param.slice(0, eq).trim();
      const value = param.slice(eq + 1).trim();
      if (key === "q") q = Number(value) || 0;
      else if (key === "version") version = value;
      else if (key === "proto") proto = value;
      else if (key === "encoding") encoding = value;
    }
    if (type === "application/vnd.google.protobuf") {
      if (proto === "io.prometheus.client.metricfamily" && encoding === "delimited")
        protobufQ = Math.max(protobufQ, q);
    } else if (type === "application/openmetrics-text") {
      if (version === "" || version === "1.0.0") openMetricsQ = Math.max(openMetricsQ, q);
    } else if (type === "text/plain") {
      textQ = Math.max(textQ, q);
    }
  }
  if (protobufQ > 0 && protobufQ >= openMetricsQ && protobufQ >= textQ) return "protobuf";
  if (openMetricsQ > 0 && openMetricsQ >= textQ) return "openmetrics";
  return "text";
}
