import type { LabelMatcher } from "../window/label-matcher.js";
import type { WindowStore } from "../window/window-store.js";
import type { LiveSnapshotOptions } from "./live-snapshot-options.js";

/** One error type over the summary window. */
export interface LiveErrorTypeRow {
  /** One of the closed `error_type` set (`crash`, `timeout`, ...). */
  readonly errorType: string;
  /** Errors of this type per second. */
  readonly perSecond: number;
  /** Errors of this type per request (0..1). */
  readonly ratio: number;
}

/** The error types seen over the summary window, most frequent first. */
export function errorTypeRows(
  window: WindowStore,
  options: LiveSnapshotOptions,
  matcher: LabelMatcher | undefined,
): LiveErrorTypeRow[] {
  const query = { windowMs: options.summaryWindowMs, nowMs: options.nowMs, matcher };
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
