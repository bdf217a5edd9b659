import type { Resource } from "@opentelemetry/resources";
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_NAMESPACE,
} from "@opentelemetry/semantic-conventions";
import { durationOption } from "../../config/duration-option.js";
import { serializePrometheus } from "../prometheus/prometheus-serializer.js";
import { resolveExportIntervalMs, resolveShutdownTimeoutMs } from "../push/export-interval.js";
import { PeriodicSnapshotTask } from "../push/periodic-snapshot-task.js";
import { expectSuccess } from "../push/push-request.js";
import type { ExporterFactory, TelemetryExporter } from "../telemetry-exporter.js";
import { type ExpositionSample, parseExpositionSamples } from "./exposition-samples.js";

/** Options of the Prometheus remote-write exporter (`exporter: "remote_write"`, options under `remoteWrite`). */
export interface RemoteWriteExporterOptions {
  /**
   * The receiver's remote-write URL (required): Prometheus `http://host:9090/api/v1/write` (with
   * `--web.enable-remote-write-receiver`), VictoriaMetrics `http://host:8428/api/v1/write`, Mimir,
   * Thanos receive, ...
   */
  readonly url: string;
  /**
   * Labels added to every series, as a scrape would add its target labels.
   * @default `{ job: <service.namespace>/<service.name>, instance: <service.instance.id> }` (the
   * OpenTelemetry-to-Prometheus rule)
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Time between two pushes while the process runs, in milliseconds. @default OTEL_METRIC_EXPORT_INTERVAL, else 60000 */
  readonly intervalMs?: number;
  /** Longest time one push may take, in milliseconds. @default OTEL_METRIC_EXPORT_TIMEOUT, else 10000 */
  readonly timeoutMs?: number;
  /** Extra request headers, e.g. `{ authorization: "Bearer ..." }`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Longest time `shutdown()` waits for the last push, in milliseconds. @default 5000 */
  readonly shutdownTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The WriteRequest of Prometheus remote write 1.0 (prompb/remote.proto, types.proto): only the
 * fields sent here, with the field numbers of the specification.
 */
const WRITE_REQUEST_SCHEMA = {
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: "repeated", type: "TimeSeries", id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: "repeated", type: "Label", id: 1 },
            samples: { rule: "repeated", type: "Sample", id: 2 },
          },
        },
        Label: { fields: { name: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        Sample: { fields: { value: { type: "double", id: 1 }, timestamp: { type: "int64", id: 2 } } },
      },
    },
  },
};

/** Encodes a WriteRequest and compresses it (snappy block format), as remote write sends it. */
type WriteRequestEncoder = (timeseries: readonly TimeSeries[]) => Uint8Array;

interface TimeSeries {
  readonly labels: { name: string; value: string }[];
  readonly samples: { value: number; timestamp: number }[];
}

// Loaded on first use: only processes that push remote write pay for protobufjs and snappyjs.
let encoder: Promise<WriteRequestEncoder> | undefined;
function loadEncoder(): Promise<WriteRequestEncoder> {
  encoder ??= (async () => {
    // A CommonJS module: its exports are the namespace's default under ESM, the namespace under CJS.
    const protobufModule = await import("protobufjs/light.js");
    const protobuf = (protobufModule.default ?? protobufModule) as typeof protobufModule.default;
    // snappyjs ships no type declarations: its two functions are typed here.
    const snappyName = "snappyjs";
    const snappyModule = (await import(snappyName)) as { default?: Snappy } & Snappy;
    const snappy = snappyModule.default ?? snappyModule;
    const writeRequest = protobuf.Root.fromJSON(WRITE_REQUEST_SCHEMA).lookupType("prometheus.WriteRequest");
    return (timeseries) =>
      snappy.compress(writeRequest.encode(writeRequest.fromObject({ timeseries })).finish());
  })();
  return encoder;
}

interface Snappy {
  compress(input: Uint8Array): Uint8Array;
}

/**
 * The target labels of the OpenTelemetry-to-Prometheus compatibility rules: `job` is
 * `service.namespace/service.name` (or `service.name`), `instance` is `service.instance.id`.
 */
function targetLabels(resource: Resource, serviceName: string): Record<string, string> {
  const attributes = resource.attributes;
  const namespace = attributes[ATTR_SERVICE_NAMESPACE];
  const name = String(attributes[ATTR_SERVICE_NAME] ?? serviceName);
  const instance = attributes[ATTR_SERVICE_INSTANCE_ID];
  return {
    job: namespace === undefined ? name : `${String(namespace)}/${name}`,
    ...(instance === undefined ? {} : { instance: String(instance) }),
  };
}

/**
 * The series of one push: each sample of the page with the target labels, at `timestampMs`.
 * Labels are sorted by name, as the remote-write specification asks; a label of the page wins
 * over a target label of the same name (the page writes neither `job` nor `instance`).
 */
export function toTimeSeries(
  samples: readonly ExpositionSample[],
  targets: Readonly<Record<string, string>>,
  timestampMs: number,
): TimeSeries[] {
  return samples.map((sample) => {
    const labels = new Map<string, string>(Object.entries(targets));
    for (const [name, value] of sample.labels) labels.set(name, value);
    labels.set("__name__", sample.name);
    return {
      labels: [...labels]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, value]) => ({ name, value })),
      samples: [{ value: sample.value, timestamp: timestampMs }],
    };
  });
}

/**
 * The Prometheus remote-write exporter: every `intervalMs` and once more at shutdown, sends the
 * snapshot (the same series as `/metrics`) to a remote-write receiver, as a snappy-compressed
 * protobuf `WriteRequest` (remote write 1.0). For processes that end before a scrape, and for
 * pushing straight into a long-term store without a Prometheus in between.
 *
 * Each push is one request with one sample per series at the push time. Pushes never overlap; a
 * failed one is reported and not retried (the next is cumulative); `shutdown()` resolves within
 * `shutdownTimeoutMs` even when the receiver is down.
 *
 * @example
 * new TelemetryCollector({ exporter: "remote_write", remoteWrite: { url: "http://127.0.0.1:8428/api/v1/write" } });
 */
export const createRemoteWriteExporter: ExporterFactory<RemoteWriteExporterOptions> = (setup, options) => {
  const name = "remote_write";
  if (typeof options?.url !== "string" || options.url.trim() === "")
    throw new Error("remote_write: option remoteWrite.url (the receiver's remote-write URL) is required");
  const url = new URL(options.url);
  const intervalMs = resolveExportIntervalMs(options.intervalMs, name, setup.diag);
  const timeoutMs = Math.min(
    durationOption(
      options.timeoutMs,
      { name: `${name}.timeoutMs`, defaultMs: DEFAULT_TIMEOUT_MS },
      setup.diag,
    ),
    intervalMs,
  );
  const targets = options.labels ?? targetLabels(setup.resource, setup.serviceName);
  const headers = {
    ...options.headers,
    "content-type": "application/x-protobuf",
    "content-encoding": "snappy",
    "x-prometheus-remote-write-version": "0.1.0",
  };
  const task = new PeriodicSnapshotTask({
    name,
    setup,
    intervalMs,
    shutdownTimeoutMs: resolveShutdownTimeoutMs(options.shutdownTimeoutMs, name, setup.diag),
    write: async (snapshot) => {
      const encode = await loadEncoder();
      const series = toTimeSeries(parseExpositionSamples(serializePrometheus(snapshot)), targets, Date.now());
      await expectSuccess({ url, method: "POST", headers, body: encode(series), timeoutMs }, name);
    },
  });
  const exporter: TelemetryExporter = {
    name,
    async start() {
      await loadEncoder();
      task.start();
    },
    forceFlush: () => task.forceFlush(),
    shutdown: () => task.shutdown(),
  };
  return exporter;
};
