import type { UserScriptSource } from "./write-user-script.js";

/** Options of {@link serviceScript}. */
export interface ServiceScriptOptions {
  readonly serviceName: string;
  /**
   * `once`: one traced operation before `start()` (known values, for exact checks);
   * `continuous`: also one every 100 ms, with a failure every fifth (the live page's charts move).
   */
  readonly traffic: "once" | "continuous";
  /** Run the saturation probes (the default, so the option is left out), or `saturation: false`. */
  readonly saturation: boolean;
}

/** What the service prints once its endpoint listens: `serving http://127.0.0.1:PORT`. */
export const SERVING_PATTERN = /^serving (http:\/\/127\.0\.0\.1:\d+)$/m;

/**
 * A user's service written against the installed package: a `TelemetryCollector` with the
 * Prometheus endpoint (and so the live page) on a free port, which it prints, recording the
 * operation `summarise` (latency 0.5 s, 42 output tokens, 2048 bytes in), until SIGTERM shuts the
 * collector down and lets the process end by itself.
 */
export function serviceScript(options: ServiceScriptOptions): UserScriptSource {
  return {
    imports: { "zoran-telemetrie": ["TelemetryCollector", "GoldenSignals"] },
    body: `
const collector = new TelemetryCollector({
  serviceName: ${JSON.stringify(options.serviceName)},
  exporter: "prometheus",
  port: 0,
  host: "127.0.0.1",
${options.saturation ? "" : "  saturation: false,\n"}  runtimeMetrics: false,
  // Window points every 250 ms: the live page has lines to draw within a second or two.
  window: { intervalMs: 250 },
});
let count = 0;
const operation = () =>
  collector.trace("summarise", async () => {
    count++;
    collector.recordSignal(GoldenSignals.LATENCY, count === 1 ? 0.5 : 0.2 + 0.1 * (count % 7));
    collector.recordSignal(GoldenSignals.TRAFFIC, 42, { kind: "tokens", direction: "output" });
    collector.recordSignal(GoldenSignals.TRAFFIC, 2048, { direction: "input" });
    if (count % 5 === 0) collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: "timeout" });
  });
await operation();
const traffic = ${options.traffic === "continuous"} ? setInterval(() => void operation(), 100) : undefined;
await collector.start();
console.log("serving " + collector.url);
// The collector's own timers are unref()ed: this keeps the service up until SIGTERM.
const keepAlive = setInterval(() => {}, 60_000);
process.once("SIGTERM", () => {
  clearInterval(traffic);
  clearInterval(keepAlive);
  void collector.shutdown();
});`,
  };
}
