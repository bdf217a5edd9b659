/**
 * The golden-signal panels that both Grafana dashboards show, split by service (`job`) in the
 * overview and by `operation` in the drill-down: latency quantiles and heatmap, tokens and
 * bytes, error ratio by type, and the AI-exchange (GenAI) panels.
 */
import {
  PanelBuilder as HeatmapPanelBuilder,
  YAxisConfigBuilder,
} from "@grafana/grafana-foundation-sdk/heatmap";
import { PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import type { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { GEN_AI_METRIC_NAMES } from "../signals/gen-ai-metric-definitions.js";
import {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_METRIC,
  REFUSALS_METRIC,
  REQUESTS_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
  TOKENS_METRIC,
} from "../signals/metric-definitions.js";
import {
  bucketIncrease,
  histogramQuantile,
  nativeHistogramQuantile,
  ratioOfRates,
  sumRate,
  tokensByModel,
} from "../signals/promql.js";
import {
  ERROR_RATIO_CRITICAL,
  ERROR_RATIO_WARN,
  LATENCY_CRITICAL_SECONDS,
  LATENCY_WARN_SECONDS,
  query,
  thresholds,
  timeseries,
} from "./grafana-panels.js";
import { PROCESS_MATCHERS, PROMETHEUS, SIGNAL_MATCHERS } from "./grafana-variables.js";

/**
 * `gen_ai.client.token.usage` on Prometheus: the OpenTelemetry-to-Prometheus name of the GenAI
 * semantic-convention histogram (dots to underscores; `{token}` is an annotation, so no unit
 * suffix). Its `_sum` counts tokens.
 */
const GEN_AI_TOKEN_USAGE_SUM = `${GEN_AI_METRIC_NAMES.tokenUsage.replaceAll(".", "_")}_sum`;
const QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * Latency p50 / p95 / p99 from the classic buckets, with exemplars (the trace of a slow request
 * one click away, with a tracing data source linked to `trace_id`), or from the native
 * histograms (`native`: any quantile to within a few percent, docs/formats.md).
 */
export function latencyQuantiles(
  by: readonly string[],
  legendPrefix: string,
  native = false,
): TimeseriesPanelBuilder {
  const panel = timeseries(
    native ? "Latency p50 / p95 / p99 (native histograms)" : "Latency p50 / p95 / p99",
    native
      ? "Quantiles of the merged native (exponential) latency histogram of every selected instance. Needs nativeHistograms: true in the collector and Prometheus with --enable-feature=native-histograms; empty otherwise."
      : "Quantiles of the merged latency distribution of every selected instance: histogram_quantile over summed bucket rates. Dots are exemplars: a request's trace, from a sampled span.",
    "s",
  ).thresholds(thresholds(LATENCY_WARN_SECONDS, LATENCY_CRITICAL_SECONDS));
  QUANTILES.forEach((quantile, index) => {
    const options = { matchers: SIGNAL_MATCHERS, by, quantile };
    const expr = native
      ? nativeHistogramQuantile(LATENCY_METRIC, options)
      : histogramQuantile(LATENCY_METRIC, options);
    const target = query(expr, `${legendPrefix} p${quantile * 100}`, String.fromCharCode(65 + index));
    // Exemplars sit on the `_bucket` samples the classic query reads.
    panel.withTarget(native ? target : target.exemplar(true));
  });
  return panel;
}

/** Operations per latency bucket and time step, as a heatmap of the classic buckets. */
export function latencyHeatmap(): HeatmapPanelBuilder {
  return new HeatmapPanelBuilder()
    .title("Latency distribution")
    .description("Operations per latency bucket and time step, all selected instances together.")
    .datasource(PROMETHEUS)
    .span(12)
    .height(8)
    .calculate(false)
    .yAxis(new YAxisConfigBuilder().unit("s"))
    .withTarget(
      query(bucketIncrease(LATENCY_METRIC, { matchers: SIGNAL_MATCHERS }), "{{le}}").format(
        PromQueryFormat.Heatmap,
      ),
    );
}

/** Tokens and bytes per second, by direction, split by `by` and labelled with `legend`. */
export function trafficPanels(by: readonly string[], legend: string): TimeseriesPanelBuilder[] {
  return [
    timeseries(
      "Tokens per second, in / out",
      "Tokens exchanged with models, by direction.",
      "suffix: tok/s",
      "last-max-mean",
    ).withTarget(query(sumRate(TOKENS_METRIC.promName, { matchers: SIGNAL_MATCHERS, by }), legend)),
    timeseries(
      "Bytes per second, in / out",
      "Size of the exchanges, by direction.",
      "Bps",
      "last-max-mean",
    ).withTarget(query(sumRate(EXCHANGE_SIZE_METRIC.promName, { matchers: SIGNAL_MATCHERS, by }), legend)),
  ];
}

/** The error ratio (summed error rate over summed request rate) of each `group`: `job` or `operation`. */
export function errorRatioPanel(title: string, description: string, group: string): TimeseriesPanelBuilder {
  return timeseries(title, description, "percentunit")
    .thresholds(thresholds(ERROR_RATIO_WARN, ERROR_RATIO_CRITICAL))
    .withTarget(
      query(
        ratioOfRates(ERRORS_METRIC.promName, REQUESTS_METRIC.promName, {
          matchers: SIGNAL_MATCHERS,
          by: [group],
        }),
        `{{${group}}}`,
      ),
    );
}

/** The error ratio split by `group` (`job` or `operation`) and error type, full width. */
export function errorTypePanel(group: string): TimeseriesPanelBuilder {
  return timeseries(
    "Error ratio by error type",
    "Share of operations that failed, split by error type: summed error rate over summed request rate.",
    "percentunit",
  )
    .span(24)
    .thresholds(thresholds(ERROR_RATIO_WARN, ERROR_RATIO_CRITICAL))
    .withTarget(
      query(
        ratioOfRates(ERRORS_METRIC.promName, REQUESTS_METRIC.promName, {
          matchers: SIGNAL_MATCHERS,
          by: [group, "error_type"],
          denominatorBy: [group],
        }),
        `{{${group}}} {{error_type}}`,
      ),
    );
}

/**
 * The AI-exchange panels: tokens by model (the GenAI semantic-convention histogram that
 * `exchange()` and the SDK integrations emit), time to first token of streamed calls, and
 * refusals, per `group` (`job` or `operation`).
 */
export function genAiPanels(by: readonly string[], legend: string): TimeseriesPanelBuilder[] {
  const ttft = timeseries(
    "Time to first token p50 / p95",
    "Streamed AI calls: time from the request to the first text or tool-call delta, from the merged distribution.",
    "s",
  );
  (
    [
      [0.5, "A"],
      [0.95, "B"],
    ] as const
  ).forEach(([quantile, refId]) => {
    ttft.withTarget(
      query(
        histogramQuantile(TIME_TO_FIRST_TOKEN_METRIC, { matchers: SIGNAL_MATCHERS, by, quantile }),
        `${legend} p${quantile * 100}`,
        refId,
      ),
    );
  });
  return [
    timeseries(
      "Tokens by model",
      "Tokens per second per model (the response's model, else the requested one) and token type, from gen_ai.client.token.usage.",
      "suffix: tok/s",
      "last-max-mean",
    )
      .span(24)
      .withTarget(
        query(
          tokensByModel(GEN_AI_TOKEN_USAGE_SUM, {
            matchers: PROCESS_MATCHERS,
            by: ["job", "gen_ai_token_type"],
          }),
          "{{job}} {{model}} {{gen_ai_token_type}}",
        ),
      ),
    ttft,
    timeseries(
      "Refusals",
      "Model refusals per second (zoran_refusals_total) and their share of requests.",
      "suffix: /s",
      "last-max-mean",
    )
      .withTarget(
        query(sumRate(REFUSALS_METRIC.promName, { matchers: SIGNAL_MATCHERS, by }), `${legend} refusals/s`),
      )
      .withTarget(
        query(
          ratioOfRates(REFUSALS_METRIC.promName, REQUESTS_METRIC.promName, { matchers: SIGNAL_MATCHERS, by }),
          `${legend} share of requests`,
          "B",
        ),
      )
      .overrideByQuery("B", [
        { id: "unit", value: "percentunit" },
        { id: "custom.axisPlacement", value: "right" },
      ]),
  ];
}
