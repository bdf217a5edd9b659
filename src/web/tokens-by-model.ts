import type { WindowQuery, WindowValue } from "../window/window-query.js";
import { GEN_AI_TOKEN_USAGE, type WindowStore } from "../window/window-store.js";
import type { LiveChart } from "./live-chart.js";
import type { LiveSnapshotOptions } from "./live-snapshot-options.js";

const BY_MODEL = ["gen_ai.response.model", "gen_ai.request.model"] as const;

/** The model a token series belongs to: the one the response named, else the one asked for. */
function modelOf(labels: Readonly<Record<string, string>>): string {
  return labels["gen_ai.response.model"] || labels["gen_ai.request.model"] || "unknown";
}

/**
 * The "tokens by model" chart: tokens per second of the busiest `maxModels` models, from
 * `gen_ai.client.token.usage`; `null` until that metric has a series.
 */
export function tokensByModel(
  window: WindowStore,
  options: LiveSnapshotOptions,
  history: { windowMs: number; nowMs: number },
  line: (key: string, compute: (query: WindowQuery) => WindowValue[]) => WindowValue[][],
): LiveChart | null {
  if (!window.hasSeries(GEN_AI_TOKEN_USAGE)) return null;
  const busiest = new Map<string, number>();
  for (const group of window.genAiTokenRate({ ...history, by: BY_MODEL })) {
    const model = modelOf(group.labels);
    busiest.set(model, (busiest.get(model) ?? 0) + group.value);
  }
  const models = [...busiest.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, options.maxModels ?? 8)
    .map(([model]) => model);
  const points = line("gen-ai-tokens", (query) => window.genAiTokenRate({ ...query, by: BY_MODEL }));
  return {
    unit: "tokens/s",
    series: models.map((model) => ({
      label: model,
      values: points.map((groups) => {
        let sum: number | null = null;
        for (const group of groups) if (modelOf(group.labels) === model) sum = (sum ?? 0) + group.value;
        return sum;
      }),
    })),
  };
}
