import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./prometheus-server.js";
import { startServerProcess } from "./server-process.js";

/** One group of a Pushgateway, as its `/api/v1/metrics` lists it. */
export interface PushgatewayGroup {
  /** The grouping key: `job` and the other labels. */
  readonly labels: Record<string, string>;
  /** Metric family names pushed into the group (without the Pushgateway's own `push_*`). */
  readonly families: string[];
}

/** A real Prometheus Pushgateway (the Debian 1.5 binary) started for a test, on 127.0.0.1. */
export interface PushgatewayServer {
  /** Base URL, e.g. `http://127.0.0.1:9091`. */
  readonly url: string;
  /** `host:port`, for a Prometheus scrape config. */
  readonly target: string;
  groups(): Promise<PushgatewayGroup[]>;
  /** The text page Prometheus scrapes (`/metrics`). */
  page(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts `prometheus-pushgateway` on a free port with a throwaway persistence file (so the
 * machine's `/var/lib/prometheus` is never touched) and waits until it is ready.
 */
export async function startPushgateway(options: { binary: string }): Promise<PushgatewayServer> {
  const dir = mkdtempSync(join(tmpdir(), "zoran-pushgateway-"));
  const port = await freePort();
  const server = await startServerProcess({
    name: "pushgateway",
    binary: options.binary,
    args: [
      `--web.listen-address=127.0.0.1:${port}`,
      `--persistence.file=${join(dir, "pushgateway.data")}`,
      "--log.level=warn",
    ],
    port,
    dir,
    readyPath: "/-/ready",
    timeoutMs: 20_000,
  });
  return {
    url: server.url,
    target: `127.0.0.1:${port}`,
    async groups() {
      const body = (await (await fetch(`${server.url}/api/v1/metrics`)).json()) as {
        data: ({ labels: Record<string, string> } & Record<string, unknown>)[];
      };
      return body.data.map((group) => ({
        labels: group.labels,
        families: Object.keys(group)
          .filter((key) => key !== "labels" && key !== "last_push_successful" && !key.startsWith("push_"))
          .sort(),
      }));
    },
    page: async () => (await fetch(`${server.url}/metrics`)).text(),
    stop: server.stop,
  };
}
