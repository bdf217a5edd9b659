/**
 * True when an `Accept` header prefers OpenMetrics over the text format: Prometheus 2.x sends
 * `application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,
 * text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`. We serve OpenMetrics 1.0.0 when it is listed with a
 * quality at least that of `text/plain`, and the text format otherwise (curl, browsers).
 */
export function acceptsOpenMetrics(accept: string | undefined): boolean {
  if (!accept || !accept.includes("application/openmetrics-text")) return false;
  let openMetricsQ = -1;
  let textQ = -1;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    let q = 1;
    let version = "";
    for (const param of params) {
      if (param.startsWith("q=")) q = Number(param.slice(2)) || 0;
      else if (param.startsWith("version=")) version = param.slice(8);
    }
    if (type === "application/openmetrics-text" && (version === "" || version === "1.0.0")) {
      openMetricsQ = Math.max(openMetricsQ, q);
    } else if (type === "text/plain") {
      textQ = Math.max(textQ, q);
    }
  }
  return openMetricsQ > 0 && openMetricsQ >= textQ;
}
