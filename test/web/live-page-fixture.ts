import { AlertingEngine } from "../../src/alerting/alerting-engine.js";
import { loadRules } from "../../src/alerting/load-rules.js";
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";
import { createLivePageRoutes, type LivePageOptions } from "../../src/web/live-page-routes.js";
import { WindowStore } from "../../src/window/window-store.js";

/** The operation name the escaping tests record: shown on the page, it must stay text. */
export const SCRIPT_OPERATION = "<script>alert(1)</script>";

/** A collector serving the live page on a free port, fed the way the collector will feed it. */
export interface LivePageFixture {
  readonly collector: TelemetryCollector;
  readonly window: WindowStore;
  readonly engine: AlertingEngine | undefined;
  /** Base URL of the endpoint, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Records simulated operations until stopped (a few per tick, some failing). */
  startTraffic(): void;
  stop(): Promise<void>;
}

/** Options of {@link startLivePageFixture}. */
export interface LivePageFixtureOptions {
  /** Window store interval and feed period, in milliseconds. @default 500 */
  readonly intervalMs?: number;
  /** Run an alerting engine whose states the page shows. @default true */
  readonly alerting?: boolean;
  readonly page?: Partial<Pick<LivePageOptions, "historyMs" | "refreshMs" | "summaryWindowMs">>;
}

/**
 * Builds the wiring the collector will own (a window store fed from `collect()` on a timer, the
 * live-page routes on the Prometheus endpoint), with real components only: a TelemetryCollector
 * listening on port 0, the real window store and alerting engine.
 */
export async function startLivePageFixture(options: LivePageFixtureOptions = {}): Promise<LivePageFixture> {
  const intervalMs = options.intervalMs ?? 500;
  const collector = new TelemetryCollector({
    serviceName: "live-page-test",
    exporter: "prometheus",
    port: 0,
    runtimeMetrics: false,
  });
  const window = new WindowStore({ intervalMs, retentionMs: 10 * 60_000 });
  const engine =
    options.alerting === false
      ? undefined
      : new AlertingEngine({
          serviceName: "live-page-test",
          window,
          rules: loadRules({
            rules: [
              {
                name: "OperationErrorsHigh",
                signal: "errors",
                statistic: "ratio",
                threshold: 0.01,
                window: "10s",
                by: ["operation"],
                severity: "critical",
              },
              { name: "LatencyP99High", signal: "latency", statistic: "p99", threshold: 30, window: "10s" },
            ],
          }),
        });
  const routes = createLivePageRoutes({
    serviceName: "live-page-test",
    window,
    ...(engine === undefined ? {} : { alerts: () => engine.states() }),
    refreshMs: 500,
    historyMs: 60_000,
    summaryWindowMs: 10_000,
    ...options.page,
  });
  for (const [path, handler] of routes) collector.addRoute(path, handler);
  await collector.start();
  const url = collector.url;
  if (url === undefined) throw new Error("collector did not report its URL");

  let feeding = false;
  const feed = setInterval(() => {
    if (feeding) return;
    feeding = true;
    collector
      .collect()
      .then((snapshot) => {
        window.ingest(snapshot);
        engine?.evaluate();
      })
      .finally(() => {
        feeding = false;
      });
  }, intervalMs);

  let traffic: NodeJS.Timeout | undefined;
  let tick = 0;
  return {
    collector,
    window,
    engine,
    url,
    startTraffic() {
      traffic ??= setInterval(() => {
        tick++;
        // The latency drifts with time, so that two reads of the page a few seconds apart differ.
        const wave = 1 + 0.8 * Math.sin(tick / 15);
        recordOperation(collector, "chat_completion", "ai_human", 0.4 * wave * (0.5 + Math.random()), 0.05);
        recordOperation(collector, "agent_handoff", "ai_ai", 0.05 * wave * (0.5 + Math.random()), 0.02);
        if (tick % 2 === 0) recordOperation(collector, SCRIPT_OPERATION, "ai_ai", 0.12 * wave, 0.2);
      }, 50);
    },
    async stop() {
      clearInterval(feed);
      if (traffic !== undefined) clearInterval(traffic);
      await engine?.shutdown();
      await collector.shutdown();
    },
  };
}

function recordOperation(
  collector: TelemetryCollector,
  operation: string,
  exchange: "ai_ai" | "ai_human",
  latencySeconds: number,
  errorProbability: number,
): void {
  collector.trace(
    operation,
    () => {
      collector.recordSignal(GoldenSignals.LATENCY, latencySeconds);
      collector.recordSignal(GoldenSignals.TRAFFIC, Math.round(200 + Math.random() * 400), {
        kind: "tokens",
        direction: "input",
      });
      const failed = Math.random() < errorProbability;
      collector.recordSignal(GoldenSignals.ERROR_RATE, failed ? 1 : 0, {
        error_type: failed ? (Math.random() < 0.5 ? "timeout" : "invalid_response") : undefined,
      });
    },
    { exchange },
  );
}
