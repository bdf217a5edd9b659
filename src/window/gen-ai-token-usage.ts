import { GEN_AI_METRIC_NAMES } from "../signals/gen-ai-metric-definitions.js";
import type { MetricDefinition } from "../signals/metric-definitions.js";

/**
 * The GenAI semantic-convention token histogram that `exchange()` emits, kept as a counter of
 * its `sum` (tokens) per model: the live page's "tokens by model". Its labels are the
 * semantic-convention attributes; it carries no `operation`.
 */
export const GEN_AI_TOKEN_USAGE: MetricDefinition = Object.freeze({
  name: GEN_AI_METRIC_NAMES.tokenUsage,
  promName: "gen_ai_client_token_usage",
  kind: "histogram",
  unit: "{token}",
  description: "Tokens used per GenAI client call (semantic conventions), summed per model.",
  labels: Object.freeze([
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.token.type",
    "gen_ai.operation.name",
    "gen_ai.system",
    "gen_ai.provider.name",
  ]),
});
