import type { SpanContext } from "@opentelemetry/api";
import type { GoldenSignal } from "../signals/golden-signals.js";
import { errorTypeSlot, OUTCOME_ERROR, outcomeSlot } from "../signals/label-index.js";
import {
  resolveErrorType,
  resolveExchange,
  resolveFreeText,
  resolveOutcome,
  resolveResource,
  resolveTrafficSlot,
  resolveTrafficTable,
} from "./attribute-resolver.js";
import type { GoldenSignalStore } from "./golden-signal-store.js";
import type { MetricTable } from "./metric-table.js";
import { exemplarEligible } from "./operation-context-manager.js";

/** A pre-resolved series: `record(value)` validates the value and updates the series directly. */
export interface SignalHandle {
  /**
   * Records one value; bad values are dropped and counted, never thrown. `exemplar`: the span
   * this measurement belongs to, kept as the exemplar of a latency bucket or a request count
   * when the collector keeps exemplars and its filter lets the span through. A handle reads no
   * context itself (that is what keeps it at the floor's cost), so the span is passed here.
   */
  record(value: number, exemplar?: SpanContext): void;
}

/** Which spans may give exemplars (`sampledOnly`: `trace_based`); undefined: none kept. */
export type HandleExemplars = { readonly sampledOnly: boolean } | undefined;

type HandleAttributes = {
  operation?: unknown;
  exchange?: unknown;
  outcome?: unknown;
  error_type?: unknown;
  kind?: unknown;
  direction?: unknown;
  resource?: unknown;
};

const NOOP_HANDLE: SignalHandle = Object.freeze({ record() {} });

const LATENCY_INVALID = "LATENCY must be a finite number of seconds >= 0";
const TRAFFIC_INVALID = "TRAFFIC must be a finite count >= 0";

// Each handle class is monomorphic, with its validation and its series' row inline: the row is
// a fixed slice of a Float64Array chunk that never moves (metric-table.ts), so `record()` is the
// floor's work (bench/handle.bench.ts) plus the value check and min/max.

/** A latency series' row, recorded in place: classic buckets only, not the overflow series. */
class LatencyHandle implements SignalHandle {
  private readonly data: Float64Array;
  private readonly offset: number;
  private readonly bounds: Float64Array;

  constructor(
    private readonly table: MetricTable,
    private readonly series: number,
    private readonly store: GoldenSignalStore,
    private readonly exemplars: HandleExemplars,
  ) {
    this.data = table.dataOf(series);
    this.offset = table.offsetOf(series);
    this.bounds = table.bounds;
  }

  record(value: number, exemplar?: SpanContext): void {
    if (typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY) {
      const bounds = this.bounds;
      const n = bounds.length;
      const data = this.data;
      const o = this.offset;
      let i = 0;
      while (i < n && value > bounds[i]!) i++;
      data[o + i]!++;
      data[o + n + 1]! += value;
      if (value < data[o + n + 2]!) data[o + n + 2] = value;
      if (value > data[o + n + 3]!) data[o + n + 3] = value;
      if (exemplar !== undefined) offerExemplar(this.table, this.exemplars, this.series, i, value, exemplar);
    } else {
      this.store.drop("invalid_value", "latency", LATENCY_INVALID);
    }
  }
}

/** Any histogram series through its table: native buckets, the overflow series. */
class TableLatencyHandle implements SignalHandle {
  constructor(
    private readonly table: MetricTable,
    private readonly series: number,
    private readonly store: GoldenSignalStore,
    private readonly exemplars: HandleExemplars,
  ) {}

  record(value: number, exemplar?: SpanContext): void {
    if (typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY) {
      const bucket = this.table.observe(this.series, value);
      if (exemplar !== undefined)
        offerExemplar(this.table, this.exemplars, this.series, bucket, value, exemplar);
    } else {
      this.store.drop("invalid_value", "latency", LATENCY_INVALID);
    }
  }
}

/** Offers `exemplar` for cell `cell` of `series` when the table keeps exemplars and the filter passes it. */
function offerExemplar(
  table: MetricTable,
  exemplars: HandleExemplars,
  series: number,
  cell: number,
  value: number,
  exemplar: SpanContext,
): void {
  if (
    exemplars !== undefined &&
    table.exemplars !== undefined &&
    exemplarEligible(exemplar, exemplars.sampledOnly)
  )
    table.exemplars.offer(series, cell, value, exemplar.traceId, exemplar.spanId);
}

class CounterHandle implements SignalHandle {
  private readonly data: Float64Array;
  private readonly offset: number;

  constructor(
    table: MetricTable,
    series: number,
    private readonly store: GoldenSignalStore,
  ) {
    this.data = table.dataOf(series);
    this.offset = table.offsetOf(series);
  }

  record(value: number): void {
    if (typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY)
      this.data[this.offset]! += value;
    else this.store.drop("invalid_value", "traffic", TRAFFIC_INVALID);
  }
}

/** A counter's overflow series: counts its measurements too. */
class TableCounterHandle implements SignalHandle {
  constructor(
    private readonly table: MetricTable,
    private readonly series: number,
    private readonly store: GoldenSignalStore,
  ) {}

  record(value: number): void {
    if (typeof value === "number" && value >= 0 && value < Number.POSITIVE_INFINITY)
      this.table.add(this.series, value);
    else this.store.drop("invalid_value", "traffic", TRAFFIC_INVALID);
  }
}

class GaugeHandle implements SignalHandle {
  constructor(
    private readonly table: MetricTable,
    private readonly series: number,
    private readonly store: GoldenSignalStore,
  ) {}

  record(value: number): void {
    if (typeof value === "number" && value >= 0 && value <= 1) this.table.set(this.series, value);
    else this.store.drop("invalid_value", "saturation", "SATURATION must be a ratio in [0, 1]");
  }
}

class ErrorRateHandle implements SignalHandle {
  // The series are found on first use of each: an operation that never fails must not show an
  // `outcome="error"` series at 0 that `recordSignal()` would not have created (one resolver,
  // one set of series). After the first call each branch is one comparison.
  private ok = -1;
  private failed = -1;
  private errors = -1;

  constructor(
    private readonly store: GoldenSignalStore,
    private readonly operation: string,
    private readonly exchange: number,
    private readonly errorType: number,
    private readonly exemplars: HandleExemplars,
  ) {}

  record(value: number, exemplar?: SpanContext): void {
    const store = this.store;
    if (!(typeof value === "number" && value >= 0 && value <= 1)) {
      store.drop("invalid_value", "error_rate", "ERROR_RATE must be a number in [0, 1]");
    } else if (value > 0) {
      if (this.failed < 0) {
        this.failed = store.requests.seriesOf(this.operation, outcomeSlot(this.exchange, OUTCOME_ERROR));
        this.errors = store.errors.seriesOf(this.operation, errorTypeSlot(this.exchange, this.errorType));
      }
      store.requests.add(this.failed, 1);
      store.errors.add(this.errors, value);
      if (exemplar !== undefined) {
        offerExemplar(store.requests, this.exemplars, this.failed, 0, 1, exemplar);
        offerExemplar(store.errors, this.exemplars, this.errors, 0, value, exemplar);
      }
    } else {
      if (this.ok < 0) this.ok = store.requests.seriesOf(this.operation, outcomeSlot(this.exchange, 0));
      store.requests.add(this.ok, 1);
      if (exemplar !== undefined) offerExemplar(store.requests, this.exemplars, this.ok, 0, 1, exemplar);
    }
  }
}

function latencyHandle(store: GoldenSignalStore, series: number, exemplars: HandleExemplars): SignalHandle {
  const table = store.latency;
  return table.native === undefined && series !== table.overflowIndex
    ? new LatencyHandle(table, series, store, exemplars)
    : new TableLatencyHandle(table, series, store, exemplars);
}

function counterHandle(store: GoldenSignalStore, table: MetricTable, series: number): SignalHandle {
  return series !== table.overflowIndex
    ? new CounterHandle(table, series, store)
    : new TableCounterHandle(table, series, store);
}

/**
 * Builds the pre-resolved handle of `signal` for one label set (see `TelemetryCollector.series`).
 * Attributes go through the same resolver as `recordSignal()`: a value one drops (and counts),
 * the other drops too; a TRAFFIC kind outside the set gives a handle that records nothing.
 */
export function createSignalHandle(
  store: GoldenSignalStore,
  signal: GoldenSignal,
  attributes: HandleAttributes | undefined,
  disabled: boolean,
  exemplars: HandleExemplars,
): SignalHandle {
  if (disabled) return NOOP_HANDLE;
  try {
    switch (signal) {
      case "latency": {
        const operation = resolveFreeText(store, attributes?.operation, "latency", "operation");
        const exchange = resolveExchange(store, attributes?.exchange, "latency");
        const outcome = resolveOutcome(store, attributes?.outcome, "latency");
        return latencyHandle(
          store,
          store.latency.seriesOf(operation, outcomeSlot(exchange, outcome)),
          exemplars,
        );
      }
      case "error_rate": {
        const operation = resolveFreeText(store, attributes?.operation, "error_rate", "operation");
        const exchange = resolveExchange(store, attributes?.exchange, "error_rate");
        const errorType = resolveErrorType(store, attributes?.error_type, "error_rate");
        return new ErrorRateHandle(store, operation, exchange, errorType, exemplars);
      }
      case "traffic": {
        const operation = resolveFreeText(store, attributes?.operation, "traffic", "operation");
        const exchange = resolveExchange(store, attributes?.exchange, "traffic");
        const table = resolveTrafficTable(store, attributes?.kind);
        if (table === undefined) return NOOP_HANDLE;
        const slot = resolveTrafficSlot(store, table, attributes, exchange);
        return counterHandle(store, table, table.seriesOf(operation, slot));
      }
      case "saturation": {
        const table = store.saturation;
        return new GaugeHandle(table, table.seriesOf(resolveResource(store, attributes?.resource), 0), store);
      }
      default:
        store.drop("unknown_signal", "unknown", "series() takes one of the GoldenSignals");
        return NOOP_HANDLE;
    }
  } catch {
    store.drop("internal_error", "unknown", "series() could not resolve its attributes");
    return NOOP_HANDLE;
  }
}
