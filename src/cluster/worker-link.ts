import type { ChildProcess } from "node:child_process";
import type { Worker as ClusterWorker } from "node:cluster";
import type { MessagePort, Worker as ThreadWorker } from "node:worker_threads";
import { type CollectRequest, isClusterMessage } from "./cluster-messages.js";

/** A worker the primary can aggregate: a node:cluster worker, a worker thread, or a forked child. */
export type AggregatedWorker = ClusterWorker | ThreadWorker | ChildProcess;

/** The primary's view of one worker, whatever kind it is. */
export interface WorkerLink {
  /** `worker` label value: the cluster worker id, the thread id, or the child's pid. */
  readonly id: string;
  /** Sends a request; false when the channel is closed. */
  send(message: CollectRequest): boolean;
  /** Calls `handler` for every message the worker sends. */
  onMessage(handler: (message: unknown) => void): void;
  /**
   * Calls `handler` once, after the worker is gone and every message it sent has been delivered
   * (for processes: both `exit` and `disconnect`, since `exit` may come before the last
   * messages are read from the pipe).
   */
  onGone(handler: () => void): void;
  /** Removes the listeners this link added. */
  detach(): void;
}

/** Wraps a worker of any supported kind in a {@link WorkerLink}. */
export function linkWorker(worker: AggregatedWorker): WorkerLink {
  if ("postMessage" in worker && typeof worker.postMessage === "function") return threadLink(worker);
  if ("process" in worker && "id" in worker && typeof worker.id === "number") {
    return processLink(String(worker.id), worker, worker.process);
  }
  const child = worker as ChildProcess;
  return processLink(String(child.pid), child, child);
}

function threadLink(worker: ThreadWorker): WorkerLink {
  const undo: (() => void)[] = [];
  let port: MessagePort | undefined;
  let onPortMessage: ((message: unknown) => void) | undefined;
  // The thread's reporter sends its own port first (see PortHello); requests and reports use it.
  const onHello = (message: unknown) => {
    if (!isClusterMessage(message) || message.kind !== "hello" || port !== undefined) return;
    port = message.port;
    port.unref();
    if (onPortMessage !== undefined) port.on("message", onPortMessage);
  };
  worker.on("message", onHello);
  undo.push(() => {
    worker.off("message", onHello);
    if (onPortMessage !== undefined) port?.off("message", onPortMessage);
    port?.close();
  });
  return {
    id: String(worker.threadId),
    send(message) {
      // threadId is -1 once the thread has exited; no port yet: no reporter in that thread.
      if (worker.threadId < 0 || port === undefined) return false;
      port.postMessage(message);
      return true;
    },
    onMessage(handler) {
      onPortMessage = handler;
      port?.on("message", handler);
    },
    onGone(handler) {
      // Reports still queued on the port are delivered before a later macrotask: wait one.
      const onExit = () => setImmediate(handler);
      worker.once("exit", onExit);
      undo.push(() => worker.off("exit", onExit));
    },
    detach() {
      for (const remove of undo.splice(0)) remove();
    },
  };
}

function processLink(id: string, emitter: ClusterWorker | ChildProcess, child: ChildProcess): WorkerLink {
  const undo: (() => void)[] = [];
  // Both emitter kinds are EventEmitters; their typed overloads differ, so one plain view of them.
  const events = emitter as unknown as NodeJS.EventEmitter;
  const on = (event: string, handler: (...args: unknown[]) => void) => {
    events.on(event, handler);
    undo.push(() => events.off(event, handler));
  };
  return {
    id,
    send(message) {
      if (!child.connected) return false;
      try {
        return (emitter as ChildProcess).send(message);
      } catch {
        return false; // closed between the check and the send
      }
    },
    onMessage(handler) {
      on("message", handler);
    },
    onGone(handler) {
      let exited = child.exitCode !== null || child.signalCode !== null;
      let disconnected = !child.connected;
      let fired = false;
      let fallback: NodeJS.Timeout | undefined;
      const check = () => {
        if (fired || !exited) return;
        if (disconnected) {
          fired = true;
          clearTimeout(fallback);
          handler();
        } else if (fallback === undefined) {
          // A pipe that never reports its close must not keep a dead worker's series forever.
          fallback = setTimeout(() => {
            disconnected = true;
            check();
          }, 1000).unref();
        }
      };
      on("exit", () => {
        exited = true;
        check();
      });
      on("disconnect", () => {
        disconnected = true;
        check();
      });
      check();
    },
    detach() {
      for (const remove of undo.splice(0)) remove();
    },
  };
}
