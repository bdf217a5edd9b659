import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { median } from "./lib/compare.js";
import { ensureBuilt, ROOT } from "./lib/ensure-built.js";

/**
 * Overhead of instrumenting an AI SDK call (issue 16): 2,000 non-streamed `openai` 6 chat
 * completions per contender over loopback, to a fake OpenAI API in a child process (so that only
 * the client's CPU is measured), interleaved in rounds of 50 calls with the contenders' order
 * rotated per round, all in this one process. The figure is the process's CPU time per call
 * (`process.cpuUsage()`, user + system); the ratio is to the uninstrumented client in the same
 * round (median over rounds). A second pass replaces the socket by an in-memory `fetch` that
 * answers the same bytes, which shows the instrumentation's own cost more sharply.
 *
 * Contenders, each on its own copy of the `openai` module (the peers patch its prototypes):
 * - uninstrumented: the ESM copy;
 * - `collector.instrument(client)`: the same ESM copy (it patches the instance only);
 * - `collector.exchange()` around each call, with `ex.request()` / `ex.response()`;
 * - `instrumentFetch(collector)` as the client's `fetch`;
 * - OpenLLMetry-JS (`@traceloop/instrumentation-openai`, `traceContent: false`): a CJS copy;
 * - OpenInference (`@arizeai/openinference-instrumentation-openai`, inputs and outputs hidden): a
 *   second CJS copy (require cache purged).
 * The peers get what their SDKs set up in an application: a global AsyncLocalStorage context
 * manager and a tracer provider without exporters (ours: `exporter: "none"`, tracing on).
 *
 * Ours runs from the built package (`dist/`, built first when older than `src/`), as the peers
 * run from theirs: under tsx, esbuild's `keepNames` wraps every closure our code creates per call
 * in a `__name()` call (`Object.defineProperty` on the function), a cost users never pay (a
 * profile of 270,000 exchange lifecycles under tsx showed 45 ms in `__name`).
 */
export interface AiOverheadRow {
  readonly name: string;
  /** `loopback` (a real socket to the fake API) or `in-memory` (a `fetch` that answers at once). */
  readonly transport: "loopback" | "in-memory";
  /** CPU per call, microseconds (median over rounds). */
  readonly cpuMicrosPerCall: number;
  /** CPU ratio to the uninstrumented client in the same rounds (median of per-round ratios). */
  readonly ratio: number;
}

const CALLS = 2000;
const BATCH = 50;

const BODY = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_741_476_542,
  model: "gpt-4o-mini-2024-07-18",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "The agent found three flights to Oslo.", refusal: null },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: {
    prompt_tokens: 42,
    completion_tokens: 9,
    total_tokens: 51,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  },
  system_fingerprint: "fp_bench",
});

const SERVER = `
const http = require("node:http");
const body = ${JSON.stringify(BODY)};
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));
process.on("disconnect", () => process.exit(0));
`;

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (data: Buffer) => resolve(data.toString().trim()));
    child.once("exit", (code) => reject(new Error(`fake API exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/v1`, child };
}

type OpenAIModule = typeof import("openai");
type Client = InstanceType<OpenAIModule["OpenAI"]>;

/** A fresh CommonJS copy of `openai` (own classes and prototypes), for a peer to patch alone. */
function freshCjsCopy(): OpenAIModule {
  const require = createRequire(import.meta.url);
  const root = require.resolve("openai").replace(/index\.js$/, "");
  for (const key of Object.keys(require.cache)) if (key.startsWith(root)) delete require.cache[key];
  return require("openai") as OpenAIModule;
}

const REQUEST = {
  model: "gpt-4o-mini",
  messages: [
    { role: "system" as const, content: "You plan trips for a travel agency." },
    { role: "user" as const, content: "Find three flights from Lyon to Oslo next Friday." },
  ],
};

type Package = typeof import("../src/index.js");

/** The package as built by `npm run build` (tsup), rebuilt when a source is newer. */
async function builtPackage(): Promise<Package> {
  ensureBuilt();
  const dist = join(ROOT, "dist", "index.js");
  return (await import(new URL(`file://${dist}`).href)) as Package;
}

export async function runAiOverheadBench(
  options: { quick?: boolean; transports?: readonly ("loopback" | "in-memory")[] } = {},
): Promise<AiOverheadRow[]> {
  // `--quick`: 400 calls per contender, a smoke run.
  const calls = options.quick ? 400 : CALLS;
  const { TelemetryCollector, instrumentFetch } = await builtPackage();
  const { url, child } = await startServer();
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const peerTracerProvider = new TracerProvider();
  trace.setGlobalTracerProvider(peerTracerProvider);
  const collector = new TelemetryCollector({
    serviceName: "bench-ai",
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    window: false,
  });
  try {
    const esm = (await import("openai")) as OpenAIModule;
    const openLlmetryCopy = freshCjsCopy();
    const openInferenceCopy = freshCjsCopy();
    const { OpenAIInstrumentation: OpenLlmetry } = await import("@traceloop/instrumentation-openai");
    const openLlmetry = new OpenLlmetry({ traceContent: false, enrichTokens: false });
    openLlmetry.setTracerProvider(peerTracerProvider);
    openLlmetry.manuallyInstrument(openLlmetryCopy.OpenAI as never);
    const { OpenAIInstrumentation: OpenInference } = await import(
      "@arizeai/openinference-instrumentation-openai"
    );
    const openInference = new OpenInference({
      tracerProvider: peerTracerProvider,
      traceConfig: { hideInputs: true, hideOutputs: true },
    });
    openInference.manuallyInstrument(openInferenceCopy as never);

    const rows: AiOverheadRow[] = [];
    for (const transport of options.transports ?? (["loopback", "in-memory"] as const)) {
      const inMemoryFetch = async () =>
        new Response(BODY, {
          status: 200,
          headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(BODY)) },
        });
      const make = (module: OpenAIModule, fetch?: typeof globalThis.fetch): Client =>
        new module.OpenAI({
          apiKey: "sk-bench",
          baseURL: url,
          maxRetries: 0,
          ...(transport === "in-memory"
            ? { fetch: (fetch ?? inMemoryFetch) as typeof globalThis.fetch }
            : {}),
          ...(transport === "loopback" && fetch ? { fetch } : {}),
        });
      const plain = make(esm);
      const instrumented = collector.instrument(make(esm));
      const fetchBase =
        transport === "in-memory" ? (inMemoryFetch as typeof globalThis.fetch) : globalThis.fetch;
      const viaFetch = make(esm, instrumentFetch(collector, { fetch: fetchBase, exchange: "ai_human" }));
      // The peers' clients are made once, like the others (construction is not measured).
      const openLlmetryClient = make(openLlmetryCopy);
      const openInferenceClient = make(openInferenceCopy);
      const contenders: { name: string; call: () => Promise<unknown> }[] = [
        { name: "uninstrumented", call: () => plain.chat.completions.create(REQUEST) },
        { name: "collector.instrument(client)", call: () => instrumented.chat.completions.create(REQUEST) },
        {
          name: "collector.exchange() with ex.request/ex.response",
          call: () =>
            collector.exchange(
              { operation: "plan_trip", kind: "ai_human", provider: "openai", model: REQUEST.model },
              async (ex) => ex.response(await plain.chat.completions.create(ex.request(REQUEST))),
            ),
        },
        {
          name: "instrumentFetch(collector) as the client's fetch",
          call: () => viaFetch.chat.completions.create(REQUEST),
        },
        {
          name: "OpenLLMetry (@traceloop/instrumentation-openai, traceContent: false)",
          call: () => openLlmetryClient.chat.completions.create(REQUEST),
        },
        {
          name: "OpenInference (@arizeai/openinference-instrumentation-openai, hideInputs/hideOutputs)",
          call: () => openInferenceClient.chat.completions.create(REQUEST),
        },
      ];

      // Warm-up: every contender's paths compiled and connections open before any measurement.
      for (const contender of contenders) for (let i = 0; i < 200; i++) await contender.call();
      const samples = contenders.map(() => [] as number[]);
      const rounds = calls / BATCH;
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < contenders.length; k++) {
          const index = (k + round) % contenders.length;
          const contender = contenders[index]!;
          const before = process.cpuUsage();
          for (let i = 0; i < BATCH; i++) await contender.call();
          const used = process.cpuUsage(before);
          samples[index]!.push((used.user + used.system) / BATCH);
        }
      }
      const baseline = samples[0]!;
      contenders.forEach((contender, index) => {
        const cpu = samples[index]!;
        rows.push({
          name: contender.name,
          transport,
          cpuMicrosPerCall: median(cpu),
          ratio: median(cpu.map((value, round) => value / baseline[round]!)),
        });
      });
    }
    openLlmetry.disable();
    openInference.disable();
    return rows;
  } finally {
    await collector.shutdown();
    child.kill();
    trace.disable();
    context.disable();
  }
}
