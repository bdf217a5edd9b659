import type { DiagLogger } from "@opentelemetry/api";
import { countOption } from "../config/count-option.js";
import { envInteger, envValue, objectOption } from "../config/option-values.js";
import type { HttpEndpointOptions } from "../endpoint/http-endpoint.js";
import type { TelemetryCollectorOptions } from "./collector-options.js";

/** The Prometheus endpoint's settings, once resolved. */
export interface EndpointSettings extends HttpEndpointOptions {
  readonly port: number;
  readonly host: string;
  readonly maxConcurrentScrapes?: number | undefined;
}

/**
 * The endpoint's settings: `port` / `host` (code, then `prometheus.*`, then
 * `OTEL_EXPORTER_PROMETHEUS_PORT` / `_HOST`, then 9464 on 127.0.0.1) and the `prometheus` options.
 */
export function endpointSettings(
  diag: DiagLogger,
  options: TelemetryCollectorOptions,
  env: NodeJS.ProcessEnv,
): EndpointSettings {
  const prometheus =
    objectOption<NonNullable<TelemetryCollectorOptions["prometheus"]>>(
      diag,
      "prometheus",
      options.prometheus,
    ) ?? {};
  const codePort = options.port ?? prometheus.port;
  const port =
    codePort === undefined
      ? (envInteger(diag, env, "OTEL_EXPORTER_PROMETHEUS_PORT", { min: 0, max: 65_535 }) ?? 9464)
      : countOption(codePort, { name: "port", defaultValue: 9464, min: 0, max: 65_535 }, diag);
  const host =
    options.host ?? prometheus.host ?? envValue(env, "OTEL_EXPORTER_PROMETHEUS_HOST") ?? "127.0.0.1";
  return {
    ...prometheus,
    port,
    host: typeof host === "string" && host.trim() !== "" ? host : "127.0.0.1",
    ...(prometheus.maxConcurrentScrapes === undefined
      ? {}
      : {
          maxConcurrentScrapes: countOption(
            prometheus.maxConcurrentScrapes,
            { name: "prometheus.maxConcurrentScrapes", defaultValue: 16 },
            diag,
          ),
        }),
    ...(prometheus.maxConnections === undefined
      ? {}
      : {
          maxConnections: countOption(
            prometheus.maxConnections,
            { name: "prometheus.maxConnections", defaultValue: 256 },
            diag,
          ),
        }),
  };
}
