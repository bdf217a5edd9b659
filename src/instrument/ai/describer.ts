import type { Recorder } from "../../recording/recorder.js";
import { genAiMetrics } from "../gen-ai-metrics.js";
import type { ClientSpec, MethodSpec } from "./client-spec.js";
import type { InstrumentOptions } from "./instrument-client.js";
import type { SdkCallInfo } from "./sdk-call.js";

/**
 * The describer of one client family's calls for one collector: the {@link SdkCallInfo} of a
 * call from its request body (its model) and its method, or undefined for no method.
 */
export function describer(
  recorder: Recorder,
  spec: ClientSpec,
  options: InstrumentOptions,
): (body: unknown, method?: MethodSpec) => SdkCallInfo | undefined {
  const metrics = genAiMetrics(recorder);
  const kind = options.kind === "ai_ai" ? "ai_ai" : "ai_human";
  const fixedOperation = typeof options.operation === "string" ? options.operation : undefined;
  // `<operation> <model>` per distinct model: built once, so the store's lookups see the same string.
  const operations = new Map<string, string>();
  const operationOf = (genAiOperation: string, model: unknown): string => {
    if (fixedOperation !== undefined) return fixedOperation;
    const name = typeof model === "string" ? (metrics?.name(model) ?? "") : "";
    const key = `${genAiOperation} ${name}`;
    let operation = operations.get(key);
    if (operation === undefined) {
      operation = name === "" ? genAiOperation : key;
      if (operations.size < 1000) operations.set(key, operation);
    }
    return operation;
  };
  // One immutable description per (method, model): built once, not per call.
  const described = new Map<MethodSpec, Map<unknown, SdkCallInfo>>();
  return (body, method) => {
    if (method === undefined) return undefined;
    let model: unknown;
    try {
      model = typeof body === "object" && body !== null ? (body as { model?: unknown }).model : undefined;
    } catch {
      model = undefined;
    }
    let byModel = described.get(method);
    if (byModel === undefined) {
      byModel = new Map();
      described.set(method, byModel);
    }
    const cached = byModel.get(model);
    if (cached !== undefined) return cached;
    const info = describeCall(method, model);
    if (byModel.size < 1000 && (typeof model === "string" || model === undefined)) byModel.set(model, info);
    return info;
  };

  function describeCall(method: MethodSpec, model: unknown): SdkCallInfo {
    return {
      operation: operationOf(method.genAiOperation, model),
      kind,
      provider: spec.provider,
      genAiOperation: method.genAiOperation,
      model,
      mustAnswer: options.mustAnswer === true,
      isUnjustifiedRefusal:
        typeof options.isUnjustifiedRefusal === "function" ? options.isUnjustifiedRefusal : undefined,
      validate: typeof options.validate === "function" ? options.validate : undefined,
      expectedShape: method.expectedShape,
      ...(method.usageOnRequest
        ? {
            noStreamUsageHint:
              "an OpenAI stream ended without usage, so its tokens are not counted: pass stream_options: { include_usage: true }, or instrument(client, { requestStreamUsage: true })",
          }
        : {}),
    };
  }
}
