import { type ChildProcess, fork } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
// autocannon ships no types; its programmatic API is one function returning a promise of results.
// @ts-expect-error no declaration file
import autocannon from "autocannon";
import { type ContenderRow, contenderRow } from "./lib/contender-table.js";
import { ensureBuilt } from "./lib/ensure-built.js";
import type { ChildMessage, Framework, MiddlewareContender, ParentMessage } from "./lib/middleware-server.js";

/**
 * CPU per request of the HTTP instrumentation, beside the plain framework and OpenTelemetry's own
 * instrumentations, on the same routes (`bench/lib/middleware-server.ts` says which).
 *
 * Each contender is a server in its own process; the load (autocannon, 8 connections, in a
 * worker thread of this process) alternates `GET /users/42` and `GET /api/acme/orders/7` on
 * 127.0.0.1. The figure is the server process's CPU time (`process.cpuUsage()`, user + system)
 * over a load window divided by the requests it answered: independent of how much CPU the
 * shared machine leaves to the load generator, unlike requests per second. Rounds are
 * interleaved: each round loads every contender of a framework once, in a rotated order.
 *
 * Ours is the built package (`dist/`), as users install it.
 *
 * `fetch` is measured on the client side: the contender process makes the calls (8 in flight)
 * against a plain server here, and its own CPU per call is the figure.
 */
const CONNECTIONS = 8;
const CONTENDERS: readonly MiddlewareContender[] = ["plain", "ours", "otel"];
const FRAMEWORKS: readonly { framework: Framework; name: string; otel?: string }[] = [
  { framework: "express", name: "Express 5", otel: "instrumentation-http + -express" },
  { framework: "fastify", name: "Fastify 5", otel: "instrumentation-http + @fastify/otel" },
  { framework: "hono", name: "Hono 4 on @hono/node-server" },
  { framework: "node:http", name: "node:http (createHttpListener)", otel: "instrumentation-http" },
  { framework: "fetch", name: "fetch client (instrumentFetch)", otel: "instrumentation-undici" },
];
const CHILD = fileURLToPath(new URL("./lib/middleware-server.ts", import.meta.url));

interface Contender {
  readonly child: ChildProcess;
  /** Server URL, or "client" for fetch. */
  readonly url: string;
  ask(message: ParentMessage): Promise<ChildMessage>;
}

async function start(framework: Framework, who: MiddlewareContender): Promise<Contender> {
  const child = fork(CHILD, [framework, who], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const waiting: { resolve(message: ChildMessage): void; reject(error: Error): void }[] = [];
  child.on("message", (message: ChildMessage) => waiting.shift()?.resolve(message));
  child.once("exit", (code) => {
    for (const w of waiting.splice(0))
      w.reject(new Error(`middleware bench child ${framework}/${who} exited (${code})`));
  });
  const next = () => new Promise<ChildMessage>((resolve, reject) => waiting.push({ resolve, reject }));
  const ready = (await next()) as { ready: string };
  return {
    child,
    url: ready.ready,
    ask(message) {
      const reply = next();
      child.send(message);
      return reply;
    },
  };
}

async function load(url: string, seconds: number): Promise<void> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    workers: 1,
    timeout: 10,
    requests: [
      { method: "GET", path: "/users/42" },
      { method: "GET", path: "/api/acme/orders/7" },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`middleware bench: ${url} answered ${result.non2xx} non-2xx and ${result.errors} errors`);
  }
}

/** A plain node:http server for the fetch clients. */
async function plainServer(): Promise<{ url: string; close(): void }> {
  const body = JSON.stringify({ id: "1", name: "Ada", plan: "pro" });
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1" }, resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** One row per framework: µs of CPU per request, per contender. */
export async function runMiddlewareBench(
  options: { rounds?: number; seconds?: number } = {},
): Promise<ContenderRow[]> {
  const rounds = options.rounds ?? 5;
  const seconds = options.seconds ?? 3;
  ensureBuilt();
  const rows: ContenderRow[] = [];
  for (const { framework, name, otel } of FRAMEWORKS) {
    const who = CONTENDERS.filter((c) => c !== "otel" || otel !== undefined);
    const loadBefore = loadavg()[0]!;
    const contenders = new Map<MiddlewareContender, Contender>();
    const server = framework === "fetch" ? await plainServer() : undefined;
    try {
      for (const c of who) contenders.set(c, await start(framework, c));
      const samples = new Map<string, number[]>(who.map((c) => [label(c), []]));
      // Round 0 warms every contender (JIT, keep-alive sockets); it is not counted.
      for (let round = 0; round <= rounds; round++) {
        for (let k = 0; k < who.length; k++) {
          const c = who[(k + round) % who.length]!;
          const contender = contenders.get(c)!;
          let reply: ChildMessage;
          if (framework === "fetch") {
            reply = await contender.ask({
              cmd: "run",
              durationMs: (round === 0 ? 1 : seconds) * 1000,
              url: server!.url,
            });
          } else {
            await contender.ask({ cmd: "mark" });
            await load(contender.url, round === 0 ? 1 : seconds);
            reply = await contender.ask({ cmd: "read" });
          }
          if (round === 0) continue;
          const { cpuMicros, requests } = reply as { cpuMicros: number; requests: number };
          samples.get(label(c))!.push(cpuMicros / requests);
        }
      }
      const ratios: [string, string][] = [
        ["ours", "plain"],
        ["OpenTelemetry", "plain"],
        ["ours", "OpenTelemetry"],
      ];
      const title = otel === undefined ? name : `${name}; OpenTelemetry: ${otel}`;
      rows.push(contenderRow(title, "µs CPU per request", samples, ratios, loadBefore));
    } finally {
      for (const contender of contenders.values()) contender.child.kill();
      server?.close();
    }
  }
  return rows;
}

function label(who: MiddlewareContender): string {
  return who === "otel" ? "OpenTelemetry" : who;
}
