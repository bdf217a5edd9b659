import type { AlertState } from "../alerting/alert-state.js";
import type { WindowStore } from "../window/window-store.js";
import type { LivePointCache } from "./live-point-cache.js";

/** The operation every chart and table is narrowed to (`/api/snapshot?operation=...`). */
export interface LiveFilter {
  readonly operation: string;
  /** Also narrows to one exchange kind when given. */
  readonly exchange?: string;
}

/** What {@link buildLiveSnapshot} reads. */
export interface LiveSnapshotOptions {
  readonly serviceName: string;
  readonly window: WindowStore;
  readonly alerts?: () => readonly AlertState[];
  /** Longest range of the charts, in milliseconds (clamped to the store's fine retention). */
  readonly historyMs: number;
  /** Range to chart, in milliseconds (clamped to `historyMs`). @default historyMs */
  readonly rangeMs?: number;
  /** Narrow every chart and table to one operation. @default none */
  readonly filter?: LiveFilter;
  /** Window of the breakdown tables, in milliseconds. */
  readonly summaryWindowMs: number;
  readonly refreshMs: number;
  /** Rows of the per-operation table at most. */
  readonly maxOperations: number;
  /** Saturation lines at most (probe resources first, then custom ones). */
  readonly maxResources: number;
  /** Model lines at most in "tokens by model" (the busiest). @default 8 */
  readonly maxModels?: number;
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
