import { rename, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parsePrometheusText, serializeCsv, serializeJsonLines } from "zoran-telemetrie";
import { type CommandSpec, describeError, runCommand, UsageError } from "./command-line.js";
import { writeOut } from "./stdout-closed.js";

/** The export command's flags. */
export const EXPORT_COMMAND = {
  name: "export",
  summary: "write a running endpoint's snapshot as JSON Lines or CSV (--format, --from, --out)",
  synopsis: "--format json|csv [--from URL] [--out FILE]",
  description:
    "Reads the Prometheus endpoint of a running service and writes its snapshot:\n" +
    "OTLP/JSON (one line, the .jsonl format) or CSV (one row per data point).",
  flags: {
    format: {
      type: "string",
      choices: ["json", "csv"],
      valueName: "json|csv",
      description: "output format (required)",
    },
    from: {
      type: "string",
      valueName: "URL",
      description: "endpoint base URL or full /metrics URL (default http://127.0.0.1:9464)",
    },
    out: {
      type: "string",
      valueName: "FILE",
      description: "write to FILE, atomically (temporary file, then rename); default standard output",
    },
  },
} as const satisfies CommandSpec;

/** Longest wait for the endpoint, in milliseconds. */
const FETCH_TIMEOUT_MS = 10_000;
/** A read slower than this prints a progress line, in milliseconds. */
const PROGRESS_AFTER_MS = 1_000;

/**
 * `zoran-telemetrie export`: fetches `GET <from>/metrics` (Prometheus text), turns it back into
 * an OpenTelemetry snapshot with `parsePrometheusText` (golden-signal families get their
 * instrument names back), and writes it as JSON Lines or CSV. Returns the exit code: 0 done,
 * 1 the endpoint or the file failed, 2 bad arguments.
 *
 * @example
 * await exportCommand(["--format", "csv", "--out", "snapshot.csv", "--from", "http://127.0.0.1:9464"]);
 */
export function exportCommand(argv: string[]): Promise<number> {
  return runCommand(EXPORT_COMMAND, argv, async (values) => {
    if (values.format === undefined) throw new UsageError("--format json|csv is required");
    const url = metricsUrl(values.from ?? "http://127.0.0.1:9464");
    const body = await fetchText(url);
    const snapshot = parsePrometheusText(body);
    const output = values.format === "json" ? `${serializeJsonLines(snapshot)}\n` : serializeCsv(snapshot);
    if (values.out === undefined) {
      writeOut(output);
      return 0;
    }
    // Write then rename: a reader of FILE never sees half a snapshot.
    const target = resolve(values.out);
    const temporary = `${target}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, output);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new Error(`cannot write --out ${target}: ${describeError(error)}`);
    }
    return 0;
  });
}

/** `--from` as the URL of the page to read: a base URL gets `/metrics`. */
function metricsUrl(from: string): URL {
  let url: URL;
  try {
    url = new URL(from);
  } catch {
    throw new UsageError(`--from must be an http(s) URL such as http://127.0.0.1:9464, got "${from}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--from must be an http(s) URL, got "${from}"`);
  }
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/metrics";
  return url;
}

async function fetchText(url: URL): Promise<string> {
  // Progress: a slow endpoint is said to be slow, rather than the command seeming to hang.
  const progress = setTimeout(() => {
    process.stderr.write(
      `zoran-telemetrie export: waiting for ${url.href} (up to ${FETCH_TIMEOUT_MS / 1000} s)...\n`,
    );
  }, PROGRESS_AFTER_MS);
  try {
    const response = await fetch(url, {
      headers: { accept: "text/plain;version=0.0.4" },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    return await response.text();
  } catch (error) {
    const why =
      error instanceof Error && error.name === "TimeoutError"
        ? `no answer within ${FETCH_TIMEOUT_MS / 1000} s`
        : describeError(error);
    throw new Error(`cannot read ${url.href}: ${why}`);
  } finally {
    clearTimeout(progress);
  }
}
