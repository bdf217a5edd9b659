import { isMainThread, MessageChannel, parentPort } from "node:worker_threads";
import type { DiagLogger } from "@opentelemetry/api";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";
import { describeError } from "../privacy/describe-error.js";
import { CLUSTER_MESSAGE_TAG, isClusterMessage, type SnapshotReport } from "./cluster-messages.js";
import { toPortableSnapshot } from "./portable-snapshot.js";

/** Anything that yields a cumulative snapshot: a `TelemetryCollector`, or a test double of one. */
export interface SnapshotSource {
  collect(): Promise<ResourceMetrics>;
}

/** Options of {@link reportToPrimary}. */
export interface ReportToPrimaryOptions {
  /**
   * Also push a snapshot every this many milliseconds, unasked. The primary asks for a fresh one
   * at every scrape anyway; the push bounds what a worker that crashes takes with it (its counts
   * since its last report). 0 turns pushing off. @default 5000
   */
  pushIntervalMs?: number;
  /** Where send failures are reported. @default the loud default logger (the global `diag` once the app installs one) */
  diag?: DiagLogger;
}

/** The worker side of cluster aggregation, returned by {@link reportToPrimary}. */
export interface WorkerReporter {
  /** How the reporter reaches its primary: `ipc` (node:cluster, child_process.fork), `thread`, or `none`. */
  readonly channel: "ipc" | "thread" | "none";
  /** Sends a snapshot now; resolves once it is handed to the channel. */
  flush(): Promise<void>;
  /**
   * Sends a last snapshot marked final, then stops answering and pushing. Call it before a
   * worker exits on purpose: the primary then knows nothing was lost. Resolves when called twice.
   */
  stop(): Promise<void>;
}

interface Channel {
  readonly name: "ipc" | "thread";
  send(message: SnapshotReport): Promise<void>;
  listen(handler: (message: unknown) => void): () => void;
}

/**
 * Makes a worker's collector report to the primary process (node:cluster worker, or a process
 * started with `child_process.fork`) or to the main thread (`worker_threads`), which serves one
 * `/metrics` for all of them (see `ClusterAggregator`). The worker's collector needs no port of
 * its own: create it with `exporter: "none"`.
 *
 * It answers the primary's collect requests with a fresh snapshot, pushes one every
 * `pushIntervalMs`, and a final one on `stop()`. Outside a worker it does nothing (and says so
 * once through `diag`). It never throws into the application.
 *
 * @example
 * // in the worker
 * const collector = new TelemetryCollector({ serviceName: "api", exporter: "none" });
 * const reporter = reportToPrimary(collector);
 * process.on("SIGTERM", async () => { await reporter.stop(); process.exit(0); });
 */
export function reportToPrimary(
  source: SnapshotSource,
  options: ReportToPrimaryOptions = {},
): WorkerReporter {
  const diag = options.diag ?? createTelemetryLogger();
  const channel = openChannel(diag);
  if (channel === undefined) {
    diag.warn(
      "zoran-telemetrie: reportToPrimary() outside a cluster worker, forked child or worker thread: nothing is reported",
    );
    const idle = () => Promise.resolve();
    return { channel: "none", flush: idle, stop: idle };
  }

  let sequence = 0;
  let stopped: Promise<void> | undefined;
  let reportedFailure = false;

  async function report(request: number, final: boolean): Promise<void> {
    // Numbered before collecting: the primary keeps the highest number, i.e. the newest data.
    const number = ++sequence;
    try {
      const snapshot = toPortableSnapshot(await source.collect());
      await channel!.send({
        tag: CLUSTER_MESSAGE_TAG,
        kind: "snapshot",
        request,
        sequence: number,
        final,
        snapshot,
      });
    } catch (error) {
      // A primary that is gone or a closed channel: the worker keeps running, say it once.
      if (!reportedFailure) {
        reportedFailure = true;
        diag.warn(`zoran-telemetrie: cannot report to the primary: ${describeError(error)}`);
      }
    }
  }

  const unlisten = channel.listen((message) => {
    if (stopped !== undefined || !isClusterMessage(message) || message.kind !== "collect") return;
    void report(message.request, false);
  });
  const pushIntervalMs = options.pushIntervalMs ?? 5000;
  const timer =
    pushIntervalMs > 0 ? setInterval(() => void report(0, false), pushIntervalMs).unref() : undefined;

  return {
    channel: channel.name,
    flush: () => (stopped === undefined ? report(0, false) : Promise.resolve()),
    stop() {
      if (stopped === undefined) {
        clearInterval(timer);
        unlisten();
        // Sent after unlisten: no request is answered after the final report.
        stopped = report(0, true);
      }
      return stopped;
    },
  };
}

function openChannel(diag: DiagLogger): Channel | undefined {
  if (!isMainThread && parentPort !== null) {
    // A channel of our own, handed to the main thread once: our listener then never changes
    // whether the application's parentPort keeps the thread alive, and ours is unref'd.
    const { port1, port2 } = new MessageChannel();
    parentPort.postMessage({ tag: CLUSTER_MESSAGE_TAG, kind: "hello", port: port2 }, [port2]);
    return {
      name: "thread",
      async send(message) {
        port1.postMessage(message);
      },
      listen(handler) {
        port1.on("message", handler);
        port1.unref();
        // Not closed: the final report may still be in flight; unref'd, it keeps nothing alive.
        return () => port1.off("message", handler);
      },
    };
  }
  if (typeof process.send === "function") {
    return {
      name: "ipc",
      send(message) {
        return new Promise((resolve, reject) => {
          if (!process.connected) {
            reject(new Error("IPC channel closed"));
            return;
          }
          // The callback fires once the message is written: a worker may exit right after.
          process.send!(message, undefined, {}, (error: Error | null) => (error ? reject(error) : resolve()));
        });
      },
      listen(handler) {
        process.on("message", handler);
        const release = holdWeakly(
          process,
          "message",
          () => process.channel?.unref(),
          () => process.channel?.ref(),
        );
        return () => {
          release();
          process.off("message", handler);
        };
      },
    };
  }
  diag.debug("zoran-telemetrie: no IPC channel and not a worker thread");
  return undefined;
}

/**
 * Our listener alone must not keep a process alive (a collector never does): unref the
 * channel while ours is its only `message` listener, ref it again when the application adds one.
 * Node counts listeners itself only until an explicit ref/unref, hence the `newListener` hook.
 * A node:cluster worker keeps its channel referenced regardless (Node's own `disconnect` listener).
 */
function holdWeakly(
  emitter: NodeJS.EventEmitter,
  event: string,
  unref: () => void,
  ref: () => void,
): () => void {
  if (emitter.listenerCount(event) === 1 && emitter.listenerCount("disconnect") === 0) unref();
  const onNewListener = (name: string | symbol) => {
    if (name === event) ref();
  };
  emitter.on("newListener", onNewListener);
  return () => emitter.off("newListener", onNewListener);
}
