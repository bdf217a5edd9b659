import type { DiagLogger } from "@opentelemetry/api";
import { describeError } from "../privacy/describe-error.js";

/** How often a failing exporter is reported again (it is counted every time). */
const REPORT_INTERVAL_MS = 10 * 60_000;

/** What to do about a failing exporter, by name. */
const ADVICE: Readonly<Record<string, string>> = {
  otlp: "Check that the OTLP receiver is reachable at the configured endpoint (otlp.endpoint or OTEL_EXPORTER_OTLP_ENDPOINT); cumulative values are sent again once it answers.",
  json: "Check that the JSON Lines path is writable and its disk has space.",
  csv: "Check that the CSV path is writable and its disk has space.",
  console: "Check that standard output is writable.",
  prometheus: "The endpoint keeps serving; check the request that failed.",
};

/**
 * Reports exporter failures: every one is counted (through `count`, the store's
 * `zoran_telemetry_export_failures_total`), the first of an exporter is reported with what to do,
 * later ones at most once per 10 minutes with how many there were (an outage fails every
 * interval; a log line per interval would drown the application's own).
 */
export class FailureReporter {
  private readonly reports = new Map<string, { at: number; since: number }>();

  constructor(
    private readonly diag: DiagLogger,
    private readonly count: (exporter: string) => void,
    /** Name of the failure counter, quoted in the message. */
    private readonly metricName: string,
  ) {}

  /** Counts one failure of `exporter` and reports it when due. */
  report(exporter: string, error: unknown): void {
    this.count(exporter);
    const now = Date.now();
    const last = this.reports.get(exporter);
    if (last !== undefined && now - last.at < REPORT_INTERVAL_MS) {
      last.since++;
      this.diag.debug(`zoran-telemetrie: ${exporter} exporter failed again: ${describeError(error)}`);
      return;
    }
    const repeated =
      last === undefined
        ? ""
        : ` (${last.since + 1} failures in the last ${REPORT_INTERVAL_MS / 60_000} min)`;
    this.reports.set(exporter, { at: now, since: 0 });
    this.diag.error(
      `zoran-telemetrie: ${exporter} exporter failed${repeated}: ${describeError(error)}. ${ADVICE[exporter] ?? ""} Failures are counted in ${this.metricName}{exporter="${exporter}"}; the application keeps running.`,
    );
  }
}
