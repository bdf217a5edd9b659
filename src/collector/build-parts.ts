import type { DiagLogger } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace";
import type { AlertState } from "../alerting/alert-state.js";
import type { AlertingEngine } from "../alerting/alerting-engine.js";
import { createAlertingEngine } from "../alerting/alerting-options.js";
import { createAlertsRoute } from "../alerting/alerts-route.js";
import { createHttpEndpoint, type HttpEndpoint } from "../endpoint/http-endpoint.js";
import { EXPORTER_FACTORIES, EXPORTER_OPTION_KEYS } from "../exporters/exporter-registry.js";
import type { ExpositionReport } from "../exporters/prometheus/exposition-conflicts.js";
import { createMetricsRoute } from "../exporters/prometheus/metrics-route.js";
import type { ExporterSetup, TelemetryExporter } from "../exporters/telemetry-exporter.js";
import { createLivePageRoutes } from "../web/live-page-routes.js";
import { WindowStore } from "../window/window-store.js";
import type { TelemetryCollectorOptions } from "./collector-options.js";
import type { ResolvedCollectorOptions } from "./resolve-options.js";

/** The exporters of a collector and the HTTP endpoint they share. */
export interface ExporterParts {
  readonly endpoint: HttpEndpoint | undefined;
  readonly exporters: readonly TelemetryExporter[];
  readonly spanProcessors: readonly SpanProcessor[];
  /** Why the endpoint could not be built (e.g. unusable `tls`): `start()` rejects with it. */
  readonly endpointError: unknown;
}

/** What the exporters are built from. */
export interface ExporterContext {
  readonly resolved: ResolvedCollectorOptions;
  readonly options: TelemetryCollectorOptions;
  readonly resource: Resource;
  readonly collect: () => Promise<ResourceMetrics>;
  readonly reportFailure: (exporter: string, error: unknown) => void;
  readonly reportSpansDropped: (exporter: string, reason: string, count: number) => void;
  /** Where the Prometheus serializer reports what it changed to keep a page valid. */
  readonly expositionReport: ExpositionReport;
}

/**
 * Builds the HTTP endpoint (with `/metrics`) and the push and file exporters. A factory that
 * throws is reported and skipped: one bad exporter option never stops the others.
 */
export function buildExporters(context: ExporterContext): ExporterParts {
  const { resolved, options } = context;
  const diag: DiagLogger = resolved.diag;
  let endpoint: HttpEndpoint | undefined;
  let endpointError: unknown;
  if (resolved.endpoint !== undefined) {
    try {
      endpoint = createHttpEndpoint(
        resolved.endpoint,
        (error) => context.reportFailure("prometheus", error),
        diag,
      );
      endpoint.addRoute(
        "/metrics",
        createMetricsRoute({
          collect: context.collect,
          maxConcurrentScrapes: resolved.endpoint.maxConcurrentScrapes,
          withoutScopeInfo: resolved.exposition.withoutScopeInfo,
          report: context.expositionReport,
        }),
      );
    } catch (error) {
      endpointError = error;
      context.reportFailure("prometheus", error);
    }
  }
  const setup: ExporterSetup = {
    serviceName: resolved.serviceName,
    resource: context.resource,
    collect: context.collect,
    diag,
    reportFailure: context.reportFailure,
    reportSpansDropped: context.reportSpansDropped,
  };
  const exporters: TelemetryExporter[] = [];
  for (const name of resolved.exporters) {
    try {
      const exporterOptions = {
        shutdownTimeoutMs: resolved.shutdownTimeoutMs,
        ...resolved.exporterDefaults[name],
        ...((options as Record<string, object | undefined>)[EXPORTER_OPTION_KEYS[name] ?? name] ?? {}),
      };
      exporters.push(EXPORTER_FACTORIES[name](setup, exporterOptions as never));
    } catch (error) {
      context.reportFailure(name, error);
    }
  }
  const spanProcessors = exporters.flatMap((exporter) =>
    exporter.spanProcessor === undefined ? [] : [exporter.spanProcessor],
  );
  // OTEL_TRACES_EXPORTER=console: the SDK's own console span exporter, as NodeSDK wires it.
  if (resolved.consoleSpans)
    spanProcessors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
  return { endpoint, exporters, spanProcessors, endpointError };
}

/** The window store and the alerting engine over it, when either is on. */
export interface LiveParts {
  readonly window: WindowStore | undefined;
  readonly alerting: AlertingEngine | undefined;
  readonly evaluationIntervalMs: number;
}

/**
 * Builds the window (behind the live page and alerting) and the alerting engine, and registers
 * their routes on the endpoint: the live page and `/api/snapshot`, `/api/alerts`. Throws a
 * `RuleValidationError` on bad rules (the constructor's documented behaviour).
 */
export function buildLiveParts(
  resolved: ResolvedCollectorOptions,
  endpoint: HttpEndpoint | undefined,
  alerts: () => AlertState[],
): LiveParts {
  const settings = resolved.window;
  if (settings === undefined) return { window: undefined, alerting: undefined, evaluationIntervalMs: 0 };
  const alertingOptions = resolved.alerting;
  const window = new WindowStore({
    intervalMs: settings.intervalMs,
    retentionMs: settings.retentionMs,
    // A coarse ring for the hour-to-days windows of alert and SLO burn-rate rules, only when
    // alerting runs: it is most of a series' window memory (docs/alerting.md).
    ...(alertingOptions === undefined
      ? {}
      : { coarse: { intervalMs: 5 * 60_000, retentionMs: 3 * 24 * 3_600_000 } }),
    maxSeries: settings.maxSeries,
    clock: resolved.clock,
    diag: resolved.diag,
  });
  const alerting =
    alertingOptions === undefined
      ? undefined
      : createAlertingEngine(alertingOptions, {
          serviceName: resolved.serviceName,
          window,
          clock: resolved.clock,
          diag: resolved.diag,
        });
  if (endpoint !== undefined) {
    const routes = createLivePageRoutes({
      serviceName: resolved.serviceName,
      window,
      diag: resolved.diag,
      clock: resolved.clock,
      ...(alerting === undefined ? {} : { alerts }),
    });
    for (const [path, handler] of routes) endpoint.addRoute(path, handler);
    if (alerting !== undefined) endpoint.addRoute("/api/alerts", createAlertsRoute(alerts));
  }
  return {
    window,
    alerting,
    evaluationIntervalMs: alertingOptions?.evaluationIntervalMs ?? 0,
  };
}
