import { ERROR_TYPES, PROBE_RESOURCES } from "../signals/label-values.js";
import { REFUSALS_METRIC, TIME_TO_FIRST_TOKEN_METRIC } from "../signals/metric-definitions.js";
import { type LabelMatcher, labelSetKey } from "../window/label-matcher.js";
import type { SignalSelector, WindowQuery, WindowValue } from "../window/window-query.js";
import { alertRows, type LiveAlert } from "./alert-rows.js";
import { errorTypeRows, type LiveErrorTypeRow } from "./error-type-rows.js";
import { LATENCY_QUANTILES, type LiveChart } from "./live-chart.js";
import { LivePointCache } from "./live-point-cache.js";
import type { LiveFilter, LiveSnapshotOptions } from "./live-snapshot-options.js";
import { type LiveOperationRow, operationRows } from "./operation-rows.js";
import { tokensByModel } from "./tokens-by-model.js";

/**
 * The JSON body of `GET /api/snapshot`: the four golden signals as chart series over the chosen
 * range (from the store's first ingest at most, so the x axis spans what exists), the GenAI
 * panels once their metrics have series, the per-operation breakdown and error types over the
 * last `summaryWindowMs`, and the alert states (`null` when the collector has no alerting).
 */
export interface LiveSnapshot {
  readonly service: string;
  /** When the snapshot was built, ISO 8601. */
  readonly generatedAt: string;
  /** Longest range the charts can show, in milliseconds (the store's full-resolution history). */
  readonly historyMs: number;
  /** The range asked for (`?rangeMs=`), clamped to `historyMs`; `null` = all there is. */
  readonly rangeMs: number | null;
  /** Epoch seconds of the store's first ingest (about the collector's start); `null` before. */
  readonly startedAt: number | null;
  /** Spacing of the chart points, in milliseconds (the window store's interval). */
  readonly stepMs: number;
  /** Each chart point is its statistic over this window ending at the point, in milliseconds. */
  readonly pointWindowMs: number;
  readonly summaryWindowMs: number;
  /** How often the page asks again, in milliseconds. */
  readonly refreshMs: number;
  /** What the charts and tables are narrowed to; `null` = every operation. */
  readonly filter: LiveFilter | null;
  /** Chart x values, epoch seconds (uPlot's time axis), oldest first. */
  readonly timestamps: number[];
  readonly charts: {
    readonly latency: LiveChart;
    readonly errors: LiveChart;
    readonly traffic: LiveChart;
    /** Per process, whatever the filter: saturation has no `operation`. */
    readonly saturation: LiveChart;
  };
  /** Panels of AI exchanges, each `null` until its metric has a series in the store. */
  readonly genAi: {
    /** Tokens per second per model (`gen_ai.client.token.usage`; all operations: it has no `operation`). */
    readonly tokensByModel: LiveChart | null;
    /** p50 / p95 of `zoran.time_to_first_token`, seconds (streamed calls). */
    readonly timeToFirstToken: LiveChart | null;
    /** Refusals per second (`zoran.refusals`). */
    readonly refusals: LiveChart | null;
  };
  readonly operations: LiveOperationRow[];
  /** Operation rows left out past `maxOperations` (the busiest are kept). */
  readonly operationsOmitted: number;
  readonly errorTypes: LiveErrorTypeRow[];
  readonly alerts: LiveAlert[] | null;
}

const REQUESTS: SignalSelector = { signal: "traffic", statistic: "rate", kind: "requests" };
const TOKENS: SignalSelector = { signal: "traffic", statistic: "rate", kind: "tokens" };
const ERROR_RATE: SignalSelector = { signal: "errors", statistic: "rate" };
const SATURATION_MAX: SignalSelector = { signal: "saturation", statistic: "max" };
const TTFT_QUANTILES = [
  ["p50", 0.5],
  ["p95", 0.95],
] as const;
/** Intervals each chart point covers (see `pointWindowMs`). */
const POINT_WINDOW_STEPS = 5;

/**
 * Builds the live page's snapshot from the window store: pure apart from reading the store and
 * the alert states, so it is tested without a server.
 */
export function buildLiveSnapshot(options: LiveSnapshotOptions): LiveSnapshot {
  const { window } = options;
  const stepMs = window.intervalMs;
  const historyMs = Math.max(stepMs, Math.min(options.historyMs, window.retentionMs));
  const rangeMs =
    options.rangeMs === undefined ? null : Math.max(stepMs, Math.min(options.rangeMs, historyMs));
  // Each point is the statistic over the last few intervals, like PromQL's `rate(x[5 steps])`:
  // the store is fed on a timer whose ticks drift across interval boundaries, so one interval
  // alone holds zero, one or two ingests and a one-interval rate zigzags between 0 and twice
  // the truth.
  const pointWindowMs = stepMs * POINT_WINDOW_STEPS;
  // The newest interval is still filling (its ingest may not have happened yet): charts end one
  // interval back, so their right edge does not dip on every other refresh.
  const end = Math.floor((options.nowMs - stepMs) / stepMs) * stepMs;
  // The x axis starts where the store's history does: nothing is drawn before the process had
  // data, and a young process fills the width instead of a sliver at the right edge.
  const firstIngestMs = window.firstIngestMs;
  const firstPointMs = firstIngestMs === undefined ? end : Math.floor(firstIngestMs / stepMs) * stepMs;
  const span = rangeMs ?? historyMs;
  const oldest = Math.max(firstPointMs, end - span + stepMs);
  const pointTimes: number[] = [];
  for (let at = oldest; at <= end; at += stepMs) pointTimes.push(at);
  // A point near the start covers only the intervals that exist, so its rate is not diluted by
  // time before the first ingest.
  const windowAt = (atMs: number) => Math.min(pointWindowMs, atMs - firstPointMs + stepMs);

  const matcher = matcherOf(options.filter);
  const prefix =
    options.filter === undefined
      ? ""
      : `${labelSetKey({ operation: options.filter.operation, exchange: options.filter.exchange ?? "*" })}|`;
  const cache = options.cache ?? new LivePointCache();
  // One grouped query per line family and point (errors by type, saturation by resource), so the
  // cost does not grow with the number of error types or resources.
  const line = (key: string, compute: (query: WindowQuery) => WindowValue[]) =>
    cache.points(
      `${prefix}${key}`,
      pointTimes,
      (nowMs) => compute({ windowMs: windowAt(nowMs), nowMs, matcher }),
      options.lineBudgetMs,
    );
  const measured = (key: string, selector: SignalSelector, by?: readonly string[]) =>
    line(key, (query) => window.measure(selector, { ...query, by }));
  const total = (points: WindowValue[][]) => points.map((groups) => groups[0]?.value ?? null);
  const byLabel = (points: WindowValue[][], name: string, value: string) =>
    points.map((groups) => groups.find((group) => group.labels[name] === value)?.value ?? null);

  const requests = total(measured("requests", REQUESTS));
  const errorsByType = measured("errors", ERROR_RATE, ["error_type"]);
  // Errors per request at each point, as the store's errorRatio: no requests, no value.
  const perRequest = (errors: (number | null)[]) =>
    errors.map((rate, i) => {
      const requestRate = requests[i] ?? null;
      return requestRate === null || !(requestRate > 0) ? null : (rate ?? 0) / requestRate;
    });
  const allErrors = errorsByType.map((groups) => groups.reduce((sum, group) => sum + group.value, 0));
  const saturationByResource = measured("saturation", SATURATION_MAX, ["resource"]);

  const history = { windowMs: span, nowMs: options.nowMs, matcher };
  const errorTypesSeen = window
    .errorRate({ ...history, by: ["error_type"] })
    .filter((group) => group.value > 0)
    .map((group) => group.labels.error_type ?? "")
    .sort((a, b) => rankIn(ERROR_TYPES, a) - rankIn(ERROR_TYPES, b));
  const resources = window
    .saturation("max", { ...history, by: ["resource"] })
    .map((group) => group.labels.resource ?? "")
    .sort(byProbeFirst)
    .slice(0, options.maxResources);

  return {
    service: options.serviceName,
    generatedAt: new Date(options.nowMs).toISOString(),
    historyMs,
    rangeMs,
    startedAt: firstIngestMs === undefined ? null : firstIngestMs / 1000,
    stepMs,
    summaryWindowMs: options.summaryWindowMs,
    refreshMs: options.refreshMs,
    pointWindowMs,
    filter: options.filter ?? null,
    timestamps: pointTimes.map((ms) => ms / 1000),
    charts: {
      latency: {
        unit: "s",
        series: LATENCY_QUANTILES.map((statistic) => ({
          label: statistic,
          values: total(measured(statistic, { signal: "latency", statistic })),
        })),
      },
      errors: {
        unit: "ratio",
        series: [
          { label: "all errors", values: perRequest(allErrors) },
          ...errorTypesSeen.map((errorType) => ({
            label: errorType,
            values: perRequest(byLabel(errorsByType, "error_type", errorType)),
          })),
        ],
      },
      traffic: {
        unit: "req/s",
        series: [
          { label: "requests/s", values: requests },
          { label: "tokens/s", values: total(measured("tokens", TOKENS)) },
        ],
      },
      saturation: {
        unit: "ratio",
        series: resources.map((resource) => ({
          label: resource,
          values: byLabel(saturationByResource, "resource", resource),
        })),
      },
    },
    genAi: {
      tokensByModel: tokensByModel(window, options, history, (key, compute) =>
        // The GenAI metric has no `operation`: this chart is never narrowed, so its points are
        // shared by every filter.
        cache.points(
          key,
          pointTimes,
          (nowMs) => compute({ windowMs: windowAt(nowMs), nowMs }),
          options.lineBudgetMs,
        ),
      ),
      timeToFirstToken: window.hasSeries(TIME_TO_FIRST_TOKEN_METRIC)
        ? {
            unit: "s",
            series: TTFT_QUANTILES.map(([label, quantile]) => ({
              label,
              values: total(
                line(`ttft-${label}`, (query) => window.timeToFirstTokenQuantile(quantile, query)),
              ),
            })),
          }
        : null,
      refusals: window.hasSeries(REFUSALS_METRIC)
        ? {
            unit: "/s",
            series: [
              { label: "refusals/s", values: total(line("refusals", (query) => window.refusalRate(query))) },
            ],
          }
        : null,
    },
    ...operationRows(window, options, matcher),
    errorTypes: errorTypeRows(window, options, matcher),
    alerts: alertRows(options.alerts, options.filter),
  };
}

function matcherOf(filter: LiveFilter | undefined): LabelMatcher | undefined {
  if (filter === undefined) return undefined;
  return filter.exchange === undefined
    ? { operation: filter.operation }
    : { operation: filter.operation, exchange: filter.exchange };
}

function byProbeFirst(a: string, b: string): number {
  return rankIn(PROBE_RESOURCES, a) - rankIn(PROBE_RESOURCES, b) || a.localeCompare(b);
}

/** Position of `value` in a closed set; values outside it come last. */
function rankIn(set: readonly string[], value: string): number {
  const index = set.indexOf(value);
  return index === -1 ? set.length : index;
}
