/** One line of a live chart: its legend label and one value per timestamp (`null` = no data). */
export interface LiveChartSeries {
  /** Legend label; may carry a user's label value, so the page shows it with `textContent`. */
  readonly label: string;
  readonly values: (number | null)[];
}

/** One panel's chart: the unit of its left axis and its lines. */
export interface LiveChart {
  /** Unit of the values: `s`, `ratio` (0..1), `req/s`, `tokens/s`, `/s`. */
  readonly unit: string;
  readonly series: LiveChartSeries[];
}

/** The latency quantiles the live page shows: the lines of its latency chart, the columns of its operation table. */
export const LATENCY_QUANTILES = ["p50", "p95", "p99"] as const;
