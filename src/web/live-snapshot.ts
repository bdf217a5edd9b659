import type { AlertState, AlertStatus } from "../alerting/alert-state.js";
import { ERROR_TYPES, PROBE_RESOURCES } from "../signals/label-values.js";
import { labelSetKey } from "../window/label-matcher.js";
import type { SignalSelector, WindowValue } from "../window/window-query.js";
import type { WindowStore } from "../window/window-store.js";
import { LivePointCache } from "./live-point-cache.js";

/** One line of a live chart: its legend label and one value per timestamp (`null` = no data). */
export interface LiveChartSeries {
  /** Legend label; may carry a user's label value, so the page shows it with `textContent`. */
  readonly label: string;
  readonly values: (number | null)[];
}

/** One panel's chart: the unit of its left axis and its lines. */
export interface LiveChart {
  /** Unit of the values: `s`, `ratio` (0..1), `req/s`, `tokens/s`. */
  readonly unit: string;
  readonly series: LiveChartSeries[];
}

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

/** One error type over the summary window. */
export interface LiveErrorTypeRow {
  /** One of the closed `error_type` set (`crash`, `timeout`, ...). */
  readonly errorType: string;
  /** Errors of this type per second. */
  readonly perSecond: number;
  /** Errors of this type per request (0..1). */
  readonly ratio: number;
}

/** What the page shows of one alert. */
export interface LiveAlert {
  readonly name: string;
  readonly status: AlertStatus;
  readonly severity: string;
  readonly value: number | null;
  readonly threshold: number;
  readonly activeAt: string | null;
  /** Labels besides `alertname` and `severity` (they have their own columns). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The JSON body of `GET /api/snapshot`: the four golden signals as chart series over the last
 * `historyMs`, the per-operation breakdown and error types over the last `summaryWindowMs`, and
 * the alert states (`null` when the collector has no alerting).
 */
export interface LiveSnapshot {
  readonly service: string;
  /** When the snapshot was built, ISO 8601. */
  readonly generatedAt: string;
  readonly historyMs: number;
  /** Spacing of the chart points, in milliseconds (the window store's interval). */
  readonly stepMs: number;
  /** Each chart point is its statistic over this window ending at the point, in milliseconds. */
  readonly pointWindowMs: number;
  readonly summaryWindowMs: number;
  /** How often the page asks again, in milliseconds. */
  readonly refreshMs: number;
  /** Chart x values, epoch seconds (uPlot's time axis), oldest first. */
  readonly timestamps: number[];
  readonly charts: {
    readonly latency: LiveChart;
    readonly errors: LiveChart;
    readonly traffic: LiveChart;
    readonly saturation: LiveChart;
  };
  readonly operations: LiveOperationRow[];
  /** Operation rows left out past `maxOperations` (the busiest are kept). */
  readonly operationsOmitted: number;
  readonly errorTypes: LiveErrorTypeRow[];
  readonly alerts: LiveAlert[] | null;
}

/** What {@link buildLiveSnapshot} reads. */
export interface LiveSnapshotOptions {
  readonly serviceName: string;
  readonly window: WindowStore;
  readonly alerts?: () => readonly AlertState[];
  /** Length of the charts, in milliseconds (clamped to what the store keeps). */
  readonly historyMs: number;
  /** Window of the breakdown tables, in milliseconds. */
  readonly summaryWindowMs: number;
  readonly refreshMs: number;
  /** Rows of the per-operation table at most. */
  readonly maxOperations: number;
  /** Saturation lines at most (probe resources first, then custom ones). */
  readonly maxResources: number;
  /** Epoch milliseconds of "now". */
  readonly nowMs: number;
  /** Chart points kept from earlier calls on the same store. @default none (every point computed) */
  readonly cache?: LivePointCache;
  /**
   * Time allowed for computing new points of one chart line, in milliseconds; the older points
   * left over are gaps until a later call (with the same `cache`) fills them.
   * @default Infinity
   */
  readonly lineBudgetMs?: number;
}

const REQUESTS: SignalSelector = { signal: "traffic", statistic: "rate", kind: "requests" };
const TOKENS: SignalSelector = { signal: "traffic", statistic: "rate", kind: "tokens" };
const ERROR_RATE: SignalSelector = { signal: "errors", statistic: "rate" };
const SATURATION_MAX: SignalSelector = { signal: "saturation", statistic: "max" };
const LATENCY_QUANTILES = ["p50", "p95", "p99"] as const;
const BY_OPERATION = ["operation", "exchange"] as const;
/** Intervals each chart point covers (see `pointWindowMs`). */
const POINT_WINDOW_STEPS = 5;

/**
 * Builds the live page's snapshot from the window store: pure apart from reading the store and
 * the alert states, so it is tested without a server.
 */
export function buildLiveSnapshot(options: LiveSnapshotOptions): LiveSnapshot {
  const { window } = options;
  const historyMs = Math.min(options.historyMs, window.maxWindowMs);
  const stepMs = storeStepMs(window, historyMs, options.nowMs);
  // Each point is the statistic over the last few intervals, like PromQL's `rate(x[5 steps])`:
  // the store is fed on a timer whose ticks drift across interval boundaries, so one interval
  // alone holds zero, one or two ingests and a one-interval rate zigzags between 0 and twice
  // the truth.
  const pointWindowMs = stepMs * POINT_WINDOW_STEPS;
  // The newest interval is still filling (its ingest may not have happened yet): charts end one
  // interval back, so their right edge does not dip on every other refresh.
  const end = Math.floor((options.nowMs - stepMs) / stepMs) * stepMs;
  const points = Math.max(1, Math.floor(historyMs / stepMs));
  const pointTimes: number[] = [];
  for (let i = points - 1; i >= 0; i--) pointTimes.push(end - i * stepMs);
  const cache = options.cache ?? new LivePointCache();
  // One grouped query per line family and point (errors by type, saturation by resource), so the
  // cost does not grow with the number of error types or resources.
  const line = (key: string, selector: SignalSelector, by?: readonly string[]) =>
    cache.points(
      key,
      pointTimes,
      (nowMs) => window.measure(selector, { windowMs: pointWindowMs, nowMs, by }),
      options.lineBudgetMs,
    );
  const total = (points: WindowValue[][]) => points.map((groups) => groups[0]?.value ?? null);
  const byLabel = (points: WindowValue[][], name: string, value: string) =>
    points.map((groups) => groups.find((group) => group.labels[name] === value)?.value ?? null);

  const requests = total(line("requests", REQUESTS));
  const errorsByType = line("errors", ERROR_RATE, ["error_type"]);
  // Errors per request at each point, as the store's errorRatio: no requests, no value.
  const perRequest = (errors: (number | null)[]) =>
    errors.map((rate, i) => {
      const requestRate = requests[i] ?? null;
      return requestRate === null || !(requestRate > 0) ? null : (rate ?? 0) / requestRate;
    });
  const allErrors = errorsByType.map((groups) => groups.reduce((sum, group) => sum + group.value, 0));
  const saturationByResource = line("saturation", SATURATION_MAX, ["resource"]);

  const history = { windowMs: historyMs, nowMs: options.nowMs };
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
    stepMs,
    summaryWindowMs: options.summaryWindowMs,
    refreshMs: options.refreshMs,
    pointWindowMs,
    timestamps: pointTimes.map((ms) => ms / 1000),
    charts: {
      latency: {
        unit: "s",
        series: LATENCY_QUANTILES.map((statistic) => ({
          label: statistic,
          values: total(line(statistic, { signal: "latency", statistic })),
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
          { label: "tokens/s", values: total(line("tokens", TOKENS)) },
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
    ...operationRows(window, options),
    errorTypes: errorTypeRows(window, options),
    alerts: alertRows(options.alerts),
  };
}

// A store's interval never changes: read it once per store.
const STEP_BY_STORE = new WeakMap<WindowStore, number>();

/**
 * The store's interval, read off a chart series (the store keeps it private): consecutive
 * timestamps are one interval apart.
 */
function storeStepMs(window: WindowStore, historyMs: number, nowMs: number): number {
  const known = STEP_BY_STORE.get(window);
  if (known !== undefined) return known;
  const { timestamps } = window.timeSeries(REQUESTS, { durationMs: historyMs, nowMs });
  const [first, second] = timestamps;
  if (first === undefined || second === undefined) return historyMs;
  const stepMs = Math.round((second - first) * 1000);
  STEP_BY_STORE.set(window, stepMs);
  return stepMs;
}

function operationRows(
  window: WindowStore,
  options: LiveSnapshotOptions,
): { operations: LiveOperationRow[]; operationsOmitted: number } {
  const query = { windowMs: options.summaryWindowMs, nowMs: options.nowMs, by: BY_OPERATION };
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

function errorTypeRows(window: WindowStore, options: LiveSnapshotOptions): LiveErrorTypeRow[] {
  const query = { windowMs: options.summaryWindowMs, nowMs: options.nowMs };
  const requests = window.requestRate(query)[0]?.value ?? 0;
  return window
    .errorRate({ ...query, by: ["error_type"] })
    .filter((group) => group.value > 0)
    .sort((a, b) => b.value - a.value)
    .map((group) => ({
      errorType: group.labels.error_type ?? "",
      perSecond: group.value,
      ratio: requests > 0 ? group.value / requests : 0,
    }));
}

function alertRows(alerts: (() => readonly AlertState[]) | undefined): LiveAlert[] | null {
  if (alerts === undefined) return null;
  return alerts().map((alert) => {
    const { alertname: _name, severity: _severity, ...labels } = alert.labels;
    return {
      name: alert.name,
      status: alert.status,
      severity: alert.severity,
      value: alert.value,
      threshold: alert.threshold,
      activeAt: alert.activeAt,
      labels,
    };
  });
}

function byProbeFirst(a: string, b: string): number {
  return rankIn(PROBE_RESOURCES, a) - rankIn(PROBE_RESOURCES, b) || a.localeCompare(b);
}

/** Position of `value` in a closed set; values outside it come last. */
function rankIn(set: readonly string[], value: string): number {
  const index = set.indexOf(value);
  return index === -1 ? set.length : index;
}
