import type { Tracer } from "@opentelemetry/api";
import type { GoldenSignalStore } from "./golden-signal-store.js";
import type { OperationContextManager } from "./operation-context-manager.js";
import type { ExemplarFilter } from "./signal-attributes.js";

/** Parts of a `SignalRecorder`. */
export interface SignalRecorderOptions {
  readonly store: GoldenSignalStore;
  /** Carries the OpenTelemetry context and the operation in flight across async calls. */
  readonly contextManager: OperationContextManager;
  /** Tracer of `trace()` spans; undefined with tracing off (no span is started). */
  readonly tracer: Tracer | undefined;
  /** Every call is a no-op. */
  readonly disabled: boolean;
  /**
   * Which measurements may carry an exemplar (OpenTelemetry's exemplar filter); only used when
   * the store keeps exemplars. @default "trace_based"
   */
  readonly exemplarFilter?: ExemplarFilter;
}
