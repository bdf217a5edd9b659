import type { DiagLogger } from "@opentelemetry/api";
import { envValue } from "../config/option-values.js";
import type { ExemplarFilter } from "../recording/signal-attributes.js";

const EXEMPLAR_FILTERS: readonly ExemplarFilter[] = ["trace_based", "always_on", "always_off"];

/** `exemplarFilter`, else `OTEL_METRICS_EXEMPLAR_FILTER`, else `trace_based` (the spec's default). */
export function exemplarFilterOption(
  diag: DiagLogger,
  value: unknown,
  env: NodeJS.ProcessEnv,
): ExemplarFilter {
  if (value !== undefined) {
    if (EXEMPLAR_FILTERS.includes(value as ExemplarFilter)) return value as ExemplarFilter;
    diag.warn(
      `zoran-telemetrie: option exemplarFilter must be one of ${EXEMPLAR_FILTERS.join(", ")}; using trace_based`,
    );
    return "trace_based";
  }
  const fromEnv = envValue(env, "OTEL_METRICS_EXEMPLAR_FILTER")?.toLowerCase();
  if (fromEnv === undefined) return "trace_based";
  if (EXEMPLAR_FILTERS.includes(fromEnv as ExemplarFilter)) return fromEnv as ExemplarFilter;
  diag.warn(
    `zoran-telemetrie: OTEL_METRICS_EXEMPLAR_FILTER=${fromEnv.slice(0, 16)} is not one of ${EXEMPLAR_FILTERS.join(", ")}; using trace_based`,
  );
  return "trace_based";
}
