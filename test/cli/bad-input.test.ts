/**
 * The CLI's answers to bad input, from a real process (`tsx src/cli/main.ts`): exit status,
 * message and usage. One row per case of the issue that asked for them.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/prometheus-server.js";
import { runCli } from "./run-cli.js";

const REPO = join(import.meta.dirname, "..", "..");
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

interface Case {
  readonly args: string[];
  readonly status: number;
  /** Must appear on stderr (or stdout for status 0). */
  readonly message: string | RegExp;
  /** The command's usage follows the message. */
  readonly usage?: string;
  /** Must not appear anywhere (e.g. a second flag blamed). */
  readonly not?: string;
}

const DEAD_PORT = await freePort();
/** A regular file: nothing can be written "inside" it. */
const A_FILE = join(mkdtempSync(join(tmpdir(), "zoran-cli-")), "not-a-folder");
writeFileSync(A_FILE, "");
afterAll(() => rmSync(dirname(A_FILE), { recursive: true, force: true }));

const CASES: readonly Case[] = [
  {
    args: ["demo", "--prot"],
    status: 2,
    message: "zoran-telemetrie demo: unknown option --prot (did you mean --port?)",
    usage: "Usage: zoran-telemetrie demo ",
  },
  {
    args: ["demo", "--port", "abc"],
    status: 2,
    message: 'zoran-telemetrie demo: --port must be an integer from 0 to 65535, got "abc"',
    usage: "Usage: zoran-telemetrie demo ",
    not: "--rate must",
  },
  {
    args: ["demo", "--port", "70000"],
    status: 2,
    message: '--port must be an integer from 0 to 65535, got "70000"',
    usage: "Usage: zoran-telemetrie demo ",
  },
  {
    args: ["demo", "--duration", "abc"],
    status: 2,
    message: 'zoran-telemetrie demo: --duration must be a number > 0, got "abc"',
    usage: "Usage: zoran-telemetrie demo ",
  },
  {
    args: ["demo", "--rate", "-5"],
    status: 2,
    message: 'zoran-telemetrie demo: --rate must be a number > 0 and <= 10000, got "-5"',
    usage: "Usage: zoran-telemetrie demo ",
    not: "ambiguous",
  },
  {
    args: ["demo", "--port"],
    status: 2,
    message: "zoran-telemetrie demo: --port needs a value (N)",
    usage: "Usage: zoran-telemetrie demo ",
  },
  {
    args: ["demo", "extra"],
    status: 2,
    message: 'zoran-telemetrie demo: unexpected argument "extra"',
    usage: "Usage: zoran-telemetrie demo ",
  },
  {
    args: ["rules", "--out"],
    status: 2,
    message: "zoran-telemetrie rules: --out needs a value (FILE)",
    usage: "Usage: zoran-telemetrie rules ",
  },
  {
    args: ["export", "--format", "xml"],
    status: 2,
    message: 'zoran-telemetrie export: --format must be json or csv, got "xml"',
    usage: "Usage: zoran-telemetrie export ",
  },
  {
    args: ["export"],
    status: 2,
    message: "zoran-telemetrie export: --format json|csv is required",
    usage: "Usage: zoran-telemetrie export ",
  },
  {
    args: ["export", "--format", "csv", "--from", "ftp://example"],
    status: 2,
    message: 'zoran-telemetrie export: --from must be an http(s) URL, got "ftp://example"',
    usage: "Usage: zoran-telemetrie export ",
  },
  {
    args: ["dashboards", "--grafana"],
    status: 2,
    message: "zoran-telemetrie dashboards: --out DIR is required",
    usage: "Usage: zoran-telemetrie dashboards ",
  },
  {
    args: ["dashbords"],
    status: 2,
    message: 'zoran-telemetrie: unknown command "dashbords"',
    usage: "Usage: zoran-telemetrie <command>",
  },
  { args: [], status: 2, message: "Usage: zoran-telemetrie <command>" },
  {
    args: ["help", "nope"],
    status: 2,
    message: 'zoran-telemetrie help: unknown command "nope"',
    usage: "Usage: zoran-telemetrie <command>",
  },
  {
    args: ["rules", "--rules", "/nonexistent/alerts.yml"],
    status: 1,
    message:
      "zoran-telemetrie rules: cannot read --rules /nonexistent/alerts.yml: ENOENT: no such file or directory",
    not: "(syntax)",
  },
  {
    args: ["export", "--format", "json", "--from", `http://127.0.0.1:${DEAD_PORT}`],
    status: 1,
    message: `zoran-telemetrie export: cannot read http://127.0.0.1:${DEAD_PORT}/metrics: fetch failed: connect ECONNREFUSED 127.0.0.1:${DEAD_PORT}`,
  },
  {
    args: ["dashboards", "--out", join(A_FILE, "dashboards")],
    status: 1,
    message: `zoran-telemetrie dashboards: cannot write the dashboards to ${join(A_FILE, "dashboards")}: ENOTDIR`,
  },
  // Answers that are not errors.
  { args: ["--version"], status: 0, message: new RegExp(`^${VERSION.replaceAll(".", "\\.")}\\n$`) },
  { args: ["help", "demo"], status: 0, message: /^Usage: zoran-telemetrie demo .*--duration S/s },
  { args: ["demo", "--help"], status: 0, message: /^Usage: zoran-telemetrie demo /, not: "unknown" },
  { args: ["help"], status: 0, message: /help <command>/ },
];

describe.concurrent("zoran-telemetrie with bad input", () => {
  it.each(CASES)("$args.0 $args.1 $args.2 $args.3 exits $status", async (c) => {
    const run = await runCli(c.args);
    expect(run.status, `${run.stderr}${run.stdout}`).toBe(c.status);
    const text = c.status === 0 ? run.stdout : run.stderr;
    if (typeof c.message === "string") expect(text).toContain(c.message);
    else expect(text).toMatch(c.message);
    if (c.usage !== undefined) {
      // The message first, then the usage.
      expect(text.indexOf(c.usage)).toBeGreaterThan(
        typeof c.message === "string" ? text.indexOf(c.message) : -1,
      );
    }
    if (c.not !== undefined) expect(run.stdout + run.stderr).not.toContain(c.not);
    // Never a stack trace.
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("names the port when the demo's port is taken, and exits 1", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const run = await runCli(["demo", "--port", String(port)]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`zoran-telemetrie demo: .*${port}`));
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  });
});

describe("zoran-telemetrie progress and pipes", () => {
  let slow: Server;
  let release: (() => void) | undefined;
  beforeAll(async () => {
    // An endpoint that answers only when told to: the test releases it once the CLI has said it
    // is waiting, so no timing decides the outcome.
    slow = createServer((_request, response) => {
      release = () => response.writeHead(200, { "content-type": "text/plain" }).end("up 1\n");
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => {
    slow.closeAllConnections();
    slow.close();
  });

  it("says what it waits for when the endpoint is slow, then finishes", async () => {
    const { port } = slow.address() as AddressInfo;
    const run = await runCli(["export", "--format", "csv", "--from", `http://127.0.0.1:${port}`], {
      onStderr(text) {
        if (text.includes("waiting for")) release?.();
      },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`zoran-telemetrie export: waiting for http://127.0.0.1:${port}/metrics`);
    expect(run.stdout).toContain("up");
  });

  it("stops quietly with exit 0 when the reader of its output goes away (demo | head -1)", async () => {
    const child = spawn(join(REPO, "node_modules/.bin/tsx"), ["src/cli/main.ts", "demo", "--port", "0"], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // Like `head -1`: read the first line, then close the pipe.
    await new Promise<void>((resolve) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("Press Ctrl-C")) resolve();
      });
    });
    child.stdout.destroy();
    // Ctrl-C reaches the whole pipeline; the demo's goodbye line then meets the closed pipe.
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stderr).not.toContain("EPIPE");
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});
