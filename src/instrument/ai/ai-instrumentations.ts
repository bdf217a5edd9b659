import {
  InstrumentationBase,
  type InstrumentationConfig,
  InstrumentationNodeModuleDefinition,
} from "@opentelemetry/instrumentation";
import type { Recorder } from "../../recording/recorder.js";
import { type InstrumentOptions, instrumentResourcePrototype } from "./instrument-client.js";

/** Options of {@link OpenAIInstrumentation} and {@link AnthropicInstrumentation}. */
export interface AiInstrumentationConfig extends InstrumentationConfig, InstrumentOptions {
  /** The collector (any `Recorder`) every call is recorded by. Without one, calls pass unobserved. */
  readonly collector?: Recorder;
}

type Family = "openai" | "anthropic";

interface Target {
  /** Path from the module's main class to the resource class, e.g. `["Chat", "Completions"]`. */
  readonly classPath: readonly string[];
  /** The same resource as `instrument()` names it, from the client, e.g. `["chat", "completions"]`. */
  readonly resource: readonly string[];
}

const TARGETS: Readonly<Record<Family, { exportName: string; targets: readonly Target[] }>> = {
  openai: {
    exportName: "OpenAI",
    targets: [
      { classPath: ["Chat", "Completions"], resource: ["chat", "completions"] },
      { classPath: ["Responses"], resource: ["responses"] },
      { classPath: ["Embeddings"], resource: ["embeddings"] },
      { classPath: ["Completions"], resource: ["completions"] },
    ],
  },
  anthropic: {
    exportName: "Anthropic",
    targets: [
      { classPath: ["Messages"], resource: ["messages"] },
      { classPath: ["Beta", "Messages"], resource: ["beta", "messages"] },
    ],
  },
};

/**
 * Zero-code instrumentation of one SDK: patches the SDK's resource prototypes when the module is
 * loaded (`require-in-the-middle` for CommonJS; for ES modules, the documented hook
 * `node --import @opentelemetry/instrumentation/hook.mjs`, or {@link manuallyInstrument}), so
 * that every client's calls are AI exchanges, recorded by the same code as `collector.instrument()`.
 * Clients instrumented with `collector.instrument()` are left to it (never counted twice).
 */
abstract class AiSdkInstrumentation extends InstrumentationBase<AiInstrumentationConfig> {
  // Lazily made: `InstrumentationBase`'s constructor calls `init()` before subclass fields exist,
  // so what `init()` and the patches need comes from prototype methods and this lazy map.
  private patched: Map<object, (() => void)[]> | undefined;

  /** Which SDK, and which of its versions. */
  protected abstract sdk(): { readonly family: Family; readonly versions: string[] };

  private get unpatches(): Map<object, (() => void)[]> {
    this.patched ??= new Map();
    return this.patched;
  }

  private get family(): Family {
    return this.sdk().family;
  }

  /** Records with `collector` from now on. */
  setCollector(collector: Recorder): void {
    this.setConfig({ ...this.getConfig(), collector });
  }

  /** Patches a module namespace or `require()` result the hooks did not see (an ES module loaded without the hook). */
  manuallyInstrument(moduleExports: unknown): void {
    this.patchModule(moduleExports);
  }

  protected init(): InstrumentationNodeModuleDefinition {
    return new InstrumentationNodeModuleDefinition(
      this.family === "openai" ? "openai" : "@anthropic-ai/sdk",
      this.sdk().versions,
      (moduleExports) => this.patchModule(moduleExports),
      (moduleExports) => this.unpatchModule(moduleExports),
    );
  }

  private patchModule<T>(moduleExports: T): T {
    try {
      const { exportName, targets } = TARGETS[this.family];
      const exports = moduleExports as Record<string, unknown> | undefined;
      const main = (exports?.[exportName] ?? (exports as { default?: unknown })?.default) as
        | Record<string, unknown>
        | undefined;
      if (main === undefined || this.unpatches.has(main)) return moduleExports;
      const undo: (() => void)[] = [];
      const recorder = () => (this.isEnabled() ? this.getConfig().collector : undefined);
      for (const target of targets) {
        let resourceClass: unknown = main;
        for (const key of target.classPath)
          resourceClass = (resourceClass as Record<string, unknown> | undefined)?.[key];
        const prototype = (resourceClass as { prototype?: Record<string, unknown> } | undefined)?.prototype;
        if (prototype === undefined) continue;
        const restore = instrumentResourcePrototype(
          recorder,
          prototype,
          this.family,
          target.resource,
          this.getConfig(),
        );
        if (restore !== undefined) undo.push(restore);
      }
      this.unpatches.set(main, undo);
    } catch (error) {
      this._diag.warn(`zoran-telemetrie: could not instrument ${this.family}: ${String(error)}`);
    }
    return moduleExports;
  }

  private unpatchModule(moduleExports: unknown): void {
    const { exportName } = TARGETS[this.family];
    const main = (moduleExports as Record<string, unknown> | undefined)?.[exportName] as object | undefined;
    if (main === undefined) return;
    for (const restore of this.unpatches.get(main) ?? []) restore();
    this.unpatches.delete(main);
  }
}

/**
 * Zero-code instrumentation of the `openai` SDK (6.x): chat completions, Responses, embeddings and
 * legacy completions of every client, plain and streamed, as AI exchanges of `config.collector`.
 *
 * @example
 * registerInstrumentations({ instrumentations: [new OpenAIInstrumentation({ collector })] });
 * const { OpenAI } = require("openai"); // or ESM with `node --import @opentelemetry/instrumentation/hook.mjs`
 */
export class OpenAIInstrumentation extends AiSdkInstrumentation {
  constructor(config: AiInstrumentationConfig = {}) {
    super("zoran-telemetrie/instrumentation-openai", "0.1.0", config);
  }

  protected sdk() {
    return { family: "openai" as const, versions: [">=6 <7"] };
  }
}

/**
 * Zero-code instrumentation of `@anthropic-ai/sdk` (1.x): messages of every client, plain,
 * `stream: true` and `.stream()`, as AI exchanges of `config.collector`.
 *
 * @example
 * registerInstrumentations({ instrumentations: [new AnthropicInstrumentation({ collector })] });
 */
export class AnthropicInstrumentation extends AiSdkInstrumentation {
  constructor(config: AiInstrumentationConfig = {}) {
    super("zoran-telemetrie/instrumentation-anthropic", "0.1.0", config);
  }

  protected sdk() {
    return { family: "anthropic" as const, versions: [">=0.50 <2"] };
  }
}
