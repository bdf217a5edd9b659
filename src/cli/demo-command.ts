import { type Exchange, TelemetryCollector } from "zoran-telemetrie";
import { type CommandSpec, runCommand } from "./command-line.js";
import { stdoutClosed, writeOut } from "./stdout-closed.js";

/** One kind of simulated operation of the demo AI service. */
interface SimulatedOperation {
  readonly name: string;
  readonly exchange: Exclude<Exchange, "none">;
  /** Median latency in seconds; the spread is log-normal. */
  readonly medianSeconds: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Share of the traffic that goes to this operation. */
  readonly weight: number;
  /** GenAI operation (`gen_ai.operation.name`). */
  readonly genAiOperation: string;
  /** Streamed like a chat UI (time to first chunk measured) or answered at once. */
  readonly streamed: boolean;
  /** Models it calls: provider, requested name, name the response reports. */
  readonly models: readonly { provider: string; request: string; response: string }[];
}

const GPT_4O = { provider: "openai", request: "gpt-4o", response: "gpt-4o-2024-08-06" };
const GPT_4O_MINI = { provider: "openai", request: "gpt-4o-mini", response: "gpt-4o-mini-2024-07-18" };
const CLAUDE = {
  provider: "anthropic",
  request: "claude-sonnet-4-5",
  response: "claude-sonnet-4-5-20250929",
};
const EMBEDDING = {
  provider: "openai",
  request: "text-embedding-3-small",
  response: "text-embedding-3-small",
};

const OPERATIONS: readonly SimulatedOperation[] = [
  {
    name: "injection_4champs",
    exchange: "ai_ai",
    medianSeconds: 0.18,
    inputTokens: 900,
    outputTokens: 220,
    weight: 3,
    genAiOperation: "chat",
    streamed: false,
    models: [CLAUDE, GPT_4O],
  },
  {
    name: "chat_completion",
    exchange: "ai_human",
    medianSeconds: 0.9,
    inputTokens: 400,
    outputTokens: 650,
    weight: 4,
    genAiOperation: "chat",
    streamed: true,
    models: [GPT_4O, CLAUDE],
  },
  {
    name: "agent_handoff",
    exchange: "ai_ai",
    medianSeconds: 0.06,
    inputTokens: 150,
    outputTokens: 40,
    weight: 2,
    genAiOperation: "invoke_agent",
    streamed: false,
    models: [GPT_4O_MINI],
  },
  {
    name: "embedding_lookup",
    exchange: "ai_ai",
    medianSeconds: 0.03,
    inputTokens: 300,
    outputTokens: 0,
    weight: 2,
    genAiOperation: "embeddings",
    streamed: false,
    models: [EMBEDDING],
  },
  {
    name: "moderation_review",
    exchange: "ai_human",
    medianSeconds: 0.35,
    inputTokens: 250,
    outputTokens: 30,
    weight: 1,
    genAiOperation: "chat",
    streamed: false,
    models: [GPT_4O_MINI],
  },
];

// Failure mix per operation: about 6% of operations fail, each error type represented.
const FAILURES = [
  { type: "invalid_response", probability: 0.02 },
  { type: "unjustified_refusal", probability: 0.012 },
  { type: "timeout", probability: 0.01 },
  { type: "rate_limited", probability: 0.01 },
  { type: "crash", probability: 0.008 },
] as const;

/** The demo's flags; numbers are checked per flag before anything starts. */
export const DEMO_COMMAND = {
  name: "demo",
  summary: "run a simulated AI service with live golden signals on /metrics and a live page on /",
  synopsis: "[--port N] [--host ADDR] [--rate N] [--duration S] [--seed N] [--service NAME]",
  description:
    "Runs a simulated AI service (AI-to-AI and AI-to-human exchanges with OpenAI- and\n" +
    "Anthropic-shaped responses) and serves its golden signals on /metrics and the live page on /\n" +
    "until Ctrl-C. Prints a progress line every 10 seconds on standard error.",
  flags: {
    port: {
      type: "integer",
      min: 0,
      max: 65535,
      valueName: "N",
      description: "port of the endpoint, 0 for a free one (default 9464, or OTEL_EXPORTER_PROMETHEUS_PORT)",
    },
    host: { type: "string", valueName: "ADDR", description: "address to bind (default 127.0.0.1)" },
    rate: {
      type: "number",
      min: 0,
      minExclusive: true,
      max: 10_000,
      valueName: "N",
      description: "operations started per second (default 20)",
    },
    duration: {
      type: "number",
      min: 0,
      minExclusive: true,
      valueName: "S",
      description: "stop by itself after S seconds (default: run until Ctrl-C)",
    },
    seed: {
      type: "integer",
      min: 0,
      max: 4_294_967_295,
      valueName: "N",
      description: "seed of the simulation, for reproducible runs (default: time-based)",
    },
    service: { type: "string", valueName: "NAME", description: "service.name (default zoran-demo)" },
  },
} as const satisfies CommandSpec;

/** Seconds between two progress lines. */
const PROGRESS_INTERVAL_S = 10;

/** `zoran-telemetrie demo`: a simulated AI service with its live golden signals. */
export function demoCommand(argv: string[]): Promise<number> {
  return runCommand(DEMO_COMMAND, argv, async (values) => {
    const rate = values.rate ?? 20;
    const collector = new TelemetryCollector({
      serviceName: values.service ?? "zoran-demo",
      exporter: "prometheus",
      // The shipped alert rules, evaluated in process: their states show on the live page.
      alerting: true,
      ...(values.port === undefined ? {} : { port: values.port }),
      ...(values.host === undefined ? {} : { host: values.host }),
    });
    try {
      await collector.start();
    } catch (error) {
      await collector.shutdown();
      throw error;
    }
    writeOut(
      `zoran-telemetrie demo: simulating ${rate} AI operations per second\n` +
        `  metrics:    ${collector.url}/metrics\n` +
        `  live page:  ${collector.url}/\n` +
        "Press Ctrl-C to stop.\n",
    );

    const random = mulberry32(values.seed ?? Date.now());
    const counts = { started: 0, failed: 0 };
    const timer = setInterval(() => {
      // Poisson-ish arrivals: the number started this tick varies around rate/10.
      const count = Math.round((rate / 10) * (0.5 + random()));
      for (let i = 0; i < count; i++) {
        counts.started++;
        void simulate(collector, random).then((ok) => {
          if (!ok) counts.failed++;
        });
      }
    }, 100);
    const startedAt = Date.now();
    const progress = setInterval(() => {
      const seconds = (Date.now() - startedAt) / 1000;
      const left =
        values.duration === undefined ? "" : `, ${Math.max(0, Math.round(values.duration - seconds))} s left`;
      process.stderr.write(
        `demo: ${counts.started} operations in ${Math.round(seconds)} s, ${counts.failed} failed${left}\n`,
      );
    }, PROGRESS_INTERVAL_S * 1000);
    progress.unref();

    const reason = await new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("Ctrl-C"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
      // `demo | head`: the reader went away; stop as quietly as SIGPIPE would.
      stdoutClosed().addEventListener("abort", () => resolve("standard output closed"), { once: true });
      if (values.duration !== undefined) {
        setTimeout(() => resolve(`${values.duration} s elapsed`), values.duration * 1000).unref();
      }
    });
    clearInterval(timer);
    clearInterval(progress);
    writeOut(`zoran-telemetrie demo: ${reason}, shutting down (final flush)\n`);
    await collector.shutdown();
    return 0;
  });
}

/** Runs one simulated operation through `collector.exchange()`; resolves false when it failed. */
async function simulate(collector: TelemetryCollector, random: () => number): Promise<boolean> {
  const operation = pick(random);
  const latency = Math.min(60, operation.medianSeconds * Math.exp(0.6 * gaussian(random)));
  const failure = FAILURES.find((candidate) => random() < candidate.probability)?.type;
  const inputTokens = Math.round(operation.inputTokens * (0.5 + random()));
  const outputTokens = failure === undefined ? Math.round(operation.outputTokens * (0.5 + random())) : 0;
  const model = operation.models[Math.floor(random() * operation.models.length)]!;
  try {
    const outcome = await collector.exchange(
      {
        operation: operation.name,
        kind: operation.exchange,
        provider: model.provider,
        model: model.request,
        genAiOperation: operation.genAiOperation,
        // A refused chat must have been answered: the refusal is an `unjustified_refusal`.
        mustAnswer: true,
      },
      async (ex) => {
        ex.request({ model: model.request, input: "x".repeat(inputTokens * 4) });
        if (failure === "crash") {
          await sleep(latency);
          throw new Error("simulated crash");
        }
        if (failure === "timeout" || failure === "rate_limited") {
          await sleep(failure === "timeout" ? Math.max(latency, 5) : latency / 4);
          ex.usage({ inputTokens });
          ex.fail(failure);
          return ex.outcome;
        }
        const response = chatResponse(model.response, inputTokens, outputTokens, failure);
        if (operation.streamed) {
          // Streamed like a chat UI: the first delta after a third of the time, the rest later.
          for await (const _chunk of ex.stream(chatStream(response, latency))) {
            // A real client would render the delta here.
          }
        } else {
          await sleep(latency);
          ex.response(response);
        }
        if (failure === "invalid_response") ex.fail("invalid_response");
        return ex.outcome;
      },
    );
    return outcome === "ok";
  } catch {
    // The simulated crash: exchange() recorded it as error_type="crash"; the demo carries on.
    return false;
  }
}

/** An OpenAI-shaped chat completion; a refusal ends with `finish_reason: "content_filter"`. */
function chatResponse(model: string, inputTokens: number, outputTokens: number, failure: string | undefined) {
  const refused = failure === "unjustified_refusal";
  return {
    object: "chat.completion",
    model,
    choices: [
      {
        index: 0,
        finish_reason: refused ? "content_filter" : "stop",
        message: { role: "assistant", content: refused ? "" : "y".repeat(outputTokens * 4) },
      },
    ],
    usage: {
      prompt_tokens: inputTokens,
      completion_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
    },
  };
}

/** The same completion as OpenAI chat-completion chunks, the usage in the last one. */
async function* chatStream(response: ReturnType<typeof chatResponse>, seconds: number) {
  const choice = response.choices[0]!;
  await sleep(seconds / 3);
  yield {
    object: "chat.completion.chunk",
    model: response.model,
    choices: [{ index: 0, delta: { role: "assistant", content: choice.message.content.slice(0, 16) } }],
  };
  await sleep((seconds * 2) / 3);
  yield {
    object: "chat.completion.chunk",
    model: response.model,
    choices: [
      { index: 0, delta: { content: choice.message.content.slice(16) }, finish_reason: choice.finish_reason },
    ],
    usage: response.usage,
  };
}

function pick(random: () => number): SimulatedOperation {
  const total = OPERATIONS.reduce((sum, operation) => sum + operation.weight, 0);
  let target = random() * total;
  for (const operation of OPERATIONS) {
    target -= operation.weight;
    if (target <= 0) return operation;
  }
  return OPERATIONS[0]!;
}

function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** A standard normal sample (Box-Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A small seeded PRNG, so `--seed` replays the same simulation. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
