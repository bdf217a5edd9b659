import type { Counter, Histogram } from "@opentelemetry/api";
import { GoldenSignals, TelemetryCollector } from "../../src/index.js";
import {
  LATENCY_BOUNDS_SECONDS,
  REFUSALS_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
} from "../../src/signals/metric-definitions.js";

/** The operation name the escaping tests record: shown on the page, it must stay text. */
export const SCRIPT_OPERATION = "<script>alert(1)</script>";

/** A real collector serving its own live page on a free port, and simulated traffic for it. */
export interface LivePageFixture {
  readonly collector: TelemetryCollector;
  /** Base URL of the endpoint, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Records simulated operations until stopped (a few per tick, some failing). */
  startTraffic(): void;
  /**
   * Records AI exchanges until stopped: `collector.exchange()` calls with OpenAI-shaped responses
   * (tokens by model through `gen_ai.client.token.usage`), plus refusals and times to first
   * token on the frozen `zoran.refusals` / `zoran.time_to_first_token` instruments.
   */
  startAiTraffic(): void;
  stop(): Promise<void>;
}

/** Options of {@link startLivePageFixture}. */
export interface LivePageFixtureOptions {
  /** Window store interval (the collector's `window.intervalMs`), in milliseconds. @default 500 */
  readonly intervalMs?: number;
  /** Window store fine retention, in milliseconds: the page's longest range. @default 120000 */
  readonly retentionMs?: number;
  /** Alerting with two rules whose states the page shows. @default true */
  readonly alerting?: boolean;
}

/**
 * Starts a `TelemetryCollector` with `exporter: "prometheus"` on port 0: the page, its API and its
 * assets are the collector's own routes (nothing is wired by the test), fed by the collector's own
 * window timer and alerting engine.
 */
export async function startLivePageFixture(options: LivePageFixtureOptions = {}): Promise<LivePageFixture> {
  const collector = new TelemetryCollector({
    serviceName: "live-page-test",
    exporter: "prometheus",
    port: 0,
    runtimeMetrics: false,
    window: { intervalMs: options.intervalMs ?? 500, retentionMs: options.retentionMs ?? 120_000 },
    ...(options.alerting === false
      ? {}
      : {
          alerting: {
            evaluationIntervalMs: 500,
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
          },
        }),
  });
  await collector.start();
  const url = collector.url;
  if (url === undefined) throw new Error("collector did not report its URL");

  const timers: NodeJS.Timeout[] = [];
  let tick = 0;
  let refusals: Counter | undefined;
  let firstToken: Histogram | undefined;
  return {
    collector,
    url,
    startTraffic() {
      if (timers.length > 0) return;
      timers.push(
        setInterval(() => {
          tick++;
          // The latency drifts with time, so that two reads of the page a few seconds apart differ.
          const wave = 1 + 0.8 * Math.sin(tick / 15);
          recordOperation(collector, "chat_completion", "ai_human", 0.4 * wave * (0.5 + Math.random()), 0.05);
          recordOperation(collector, "agent_handoff", "ai_ai", 0.05 * wave * (0.5 + Math.random()), 0.02);
          if (tick % 2 === 0) recordOperation(collector, SCRIPT_OPERATION, "ai_ai", 0.12 * wave, 0.2);
        }, 50),
      );
    },
    startAiTraffic() {
      // Until `exchange()` records these two itself, the frozen instruments are fed from here.
      refusals ??= collector.meter.createCounter(REFUSALS_METRIC.name, {
        description: REFUSALS_METRIC.description,
      });
      firstToken ??= collector.meter.createHistogram(TIME_TO_FIRST_TOKEN_METRIC.name, {
        unit: TIME_TO_FIRST_TOKEN_METRIC.unit,
        advice: { explicitBucketBoundaries: [...LATENCY_BOUNDS_SECONDS] },
      });
      const refusalCounter = refusals;
      const firstTokenHistogram = firstToken;
      timers.push(
        setInterval(() => {
          for (const [model, inputTokens] of [
            ["gpt-4o-2024-08-06", 900],
            ["claude-sonnet-4-5", 300],
          ] as const) {
            void collector.exchange(
              { operation: "ai_chat", kind: "ai_human", provider: "openai", model },
              (ex) =>
                ex.response({
                  model,
                  choices: [
                    { index: 0, finish_reason: "stop", message: { role: "assistant", content: "ok" } },
                  ],
                  usage: { prompt_tokens: inputTokens, completion_tokens: inputTokens / 3 },
                }),
            );
          }
          const attributes = { operation: "ai_chat", exchange: "ai_human" };
          firstTokenHistogram.record(0.2 + 0.3 * Math.random(), attributes);
          if (Math.random() < 0.3) refusalCounter.add(1, attributes);
        }, 100),
      );
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
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
