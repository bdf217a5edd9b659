import { type LabelMatcher, labelSetKey } from "../window/label-matcher.js";
import type { WindowStore } from "../window/window-store.js";
import { LATENCY_QUANTILES } from "./live-chart.js";
import type { LiveSnapshotOptions } from "./live-snapshot-options.js";

/** One row of the per-operation breakdown, over the summary window. */
export interface LiveOperationRow {
  readonly operation: string;
  readonly exchange: string;
  /** Completed operations per second. */
  readonly requestsPerSecond: number;
  /** Errors per request (0..1); `null` when no request completed in the window. */
  readonly errorRatio: number | null;
  /** Latency quantiles in seconds; `null` without observations. */
  readonly p50Seconds: number | null;
  readonly p95Seconds: number | null;
  readonly p99Seconds: number | null;
  /** Tokens per second, both directions. */
  readonly tokensPerSecond: number;
}

const BY_OPERATION = ["operation", "exchange"] as const;

/** The per-operation breakdown over the summary window, busiest first, cut at `maxOperations`. */
export function operationRows(
  window: WindowStore,
  options: LiveSnapshotOptions,
  matcher: LabelMatcher | undefined,
): { operations: LiveOperationRow[]; operationsOmitted: number } {
  const query = { windowMs: options.summaryWindowMs, nowMs: options.nowMs, by: BY_OPERATION, matcher };
  const byKey = (values: { labels: Readonly<Record<string, string>>; value: number }[]) =>
    new Map(values.map((group) => [labelSetKey(group.labels), group.value]));
  const errorRatios = byKey(window.errorRatio(query));
  const tokens = byKey(window.trafficRate("tokens", query));
  const quantiles = LATENCY_QUANTILES.map((statistic) =>
    byKey(window.measure({ signal: "latency", statistic }, query)),
  );
  const rows = window
    .requestRate(query)
    .filter((group) => group.value > 0)
    .sort((a, b) => b.value - a.value)
    .map((group): LiveOperationRow => {
      const key = labelSetKey(group.labels);
      return {
        operation: group.labels.operation ?? "",
        exchange: group.labels.exchange ?? "",
        requestsPerSecond: group.value,
        errorRatio: errorRatios.get(key) ?? null,
        p50Seconds: quantiles[0]!.get(key) ?? null,
        p95Seconds: quantiles[1]!.get(key) ?? null,
        p99Seconds: quantiles[2]!.get(key) ?? null,
        tokensPerSecond: tokens.get(key) ?? 0,
      };
    });
  return {
    operations: rows.slice(0, options.maxOperations),
    operationsOmitted: Math.max(0, rows.length - options.maxOperations),
  };
}
