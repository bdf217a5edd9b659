import type { MessagePort } from "node:worker_threads";
import type { PortableSnapshot } from "./portable-snapshot.js";

/**
 * Value of the `tag` field on every message the cluster aggregation sends between a primary and
 * its workers, so that it can share the IPC channel (or `parentPort`) with the application's own
 * messages: both sides ignore messages without it, and applications can too.
 */
export const CLUSTER_MESSAGE_TAG = "zoran-telemetrie/cluster";

/** Primary to worker: "send me a fresh snapshot", answered with a {@link SnapshotReport}. */
export interface CollectRequest {
  readonly tag: typeof CLUSTER_MESSAGE_TAG;
  readonly kind: "collect";
  /** Echoed in the answer. Positive. */
  readonly request: number;
}

/** Worker to primary: the worker's cumulative snapshot. */
export interface SnapshotReport {
  readonly tag: typeof CLUSTER_MESSAGE_TAG;
  readonly kind: "snapshot";
  /** The {@link CollectRequest} answered, or 0 for a periodic or final push. */
  readonly request: number;
  /**
   * Taken when the worker began collecting, increasing: with two collections in flight the
   * primary keeps the later one, whichever arrives last.
   */
  readonly sequence: number;
  /** The worker's last report: it is stopping, and counts nothing after this. */
  readonly final: boolean;
  readonly snapshot: PortableSnapshot;
}

/**
 * Worker thread to main thread, once, on `parentPort`: the port the rest of the conversation
 * uses (a channel of its own, so the aggregation never changes how the application's
 * `parentPort` keeps the thread alive).
 */
export interface PortHello {
  readonly tag: typeof CLUSTER_MESSAGE_TAG;
  readonly kind: "hello";
  readonly port: MessagePort;
}

/** A message of the cluster aggregation protocol. */
export type ClusterMessage = CollectRequest | SnapshotReport | PortHello;

/** True when `message` belongs to the cluster aggregation protocol (see {@link CLUSTER_MESSAGE_TAG}). */
export function isClusterMessage(message: unknown): message is ClusterMessage {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { tag?: unknown }).tag === CLUSTER_MESSAGE_TAG
  );
}
