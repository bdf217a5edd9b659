import { parseArgs } from "node:util";
import { type Exchange, GoldenSignals, TelemetryCollector } from "../index.js";

/** One kind of simulated operation of the demo AI service. */
interface SimulatedOperation {
  readonly name: string;
  readonly exchange: Exchange;
  /** Median latency in seconds; the spread is log-normal. */
  readonly medianSeconds: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Share of the traffic that goes to this operation. */
  readonly weight: number;
}

const OPERATIONS: readonly SimulatedOperation[] = [
  {
    name: "injection_4champs",
    exchange: "ai_ai",
    medianSeconds: 0.18,
    inputTokens: 900,
    outputTokens: 220,
    weight: 3,
  },
  {
    name: "chat_completion",
    exchange: "ai_human",
    medianSeconds: 0.9,
    inputTokens: 400,
    outputTokens: 650,
    weight: 4,
  },
  {
    name: "agent_handoff",
    exchange: "ai_ai",
    medianSeconds: 0.06,
    inputTokens: 150,
    outputTokens: 40,
    weight: 2,
  },
  {
    name: "embedding_lookup",
    exchange: "ai_ai",
    medianSeconds: 0.03,
    inputTokens: 300,
    outputTokens: 0,
    weight: 2,
  },
  {
    name: "moderation_review",
    exchange: "ai_human",
    medianSeconds: 0.35,
    inputTokens: 250,
    outputTokens: 30,
    weight: 1,
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

const HELP = `Usage: zoran-telemetrie demo [options]

Runs a simulated AI service (AI-to-AI and AI-to-human exchanges) and serves its golden
signals on /metrics until Ctrl-C.

Options:
  --port N        port of the endpoint (default 9464, or OTEL_EXPORTER_PROMETHEUS_PORT)
  --host ADDR     address to bind (default 127.0.0.1)
  --rate N        operations started per second (default 20)
  --duration S    stop by itself after S seconds (default: run until Ctrl-C)
  --seed N        seed of the simulation, for reproducible runs (default: time-based)
  --service NAME  service.name (default zoran-demo)
  -h, --help      this help
`;

/** `zoran-telemetrie demo`: a simulated AI service with its live golden signals. */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      rate: { type: "string", default: "20" },
      duration: { type: "string" },
      seed: { type: "string" },
      service: { type: "string", default: "zoran-demo" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  const rate = Number(values.rate);
  if ((port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) || !(rate > 0)) {
    process.stderr.write(`demo: --port must be 0..65535 and --rate > 0\n\n${HELP}`);
    return 2;
  }

  const collector = new TelemetryCollector({
    serviceName: values.service,
    exporter: "prometheus",
    // The shipped alert rules, evaluated in process: their states show on the live page.
    alerting: true,
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
  });
  try {
    await collector.start();
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    await collector.shutdown();
    return 1;
  }
  process.stdout.write(
    `zoran-telemetrie demo: simulating ${rate} AI operations per second\n` +
      `  metrics:    ${collector.url}/metrics\n` +
      `  live page:  ${collector.url}/\n` +
      "Press Ctrl-C to stop.\n",
  );

  const random = mulberry32(values.seed === undefined ? Date.now() : Number(values.seed));
  const timer = setInterval(() => {
    // Poisson-ish arrivals: the number started this tick varies around rate/10.
    const count = Math.round((rate / 10) * (0.5 + random()));
    for (let i = 0; i < count; i++) void simulate(collector, random);
  }, 100);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (values.duration !== undefined) setTimeout(stop, Number(values.duration) * 1000).unref();
  });
  clearInterval(timer);
  process.stdout.write("zoran-telemetrie demo: shutting down (final flush)\n");
  await collector.shutdown();
  return 0;
}

async function simulate(collector: TelemetryCollector, random: () => number): Promise<void> {
  const operation = pick(random);
  const latency = Math.min(60, operation.medianSeconds * Math.exp(0.6 * gaussian(random)));
  const failure = FAILURES.find((candidate) => random() < candidate.probability);
  try {
    await collector.trace(
      operation.name,
      async () => {
        collector.recordSignal(GoldenSignals.TRAFFIC, Math.round(operation.inputTokens * (0.5 + random())), {
          kind: "tokens",
          direction: "input",
        });
        collector.recordSignal(GoldenSignals.TRAFFIC, Math.round(operation.inputTokens * 4.2), {
          direction: "input",
        });
        await sleep(failure?.type === "timeout" ? Math.max(latency, 5) : latency);
        if (failure?.type === "crash") throw new Error("simulated crash");
        if (failure !== undefined) {
          collector.recordSignal(GoldenSignals.ERROR_RATE, 1, { error_type: failure.type });
          return;
        }
        collector.recordSignal(GoldenSignals.TRAFFIC, Math.round(operation.outputTokens * (0.5 + random())), {
          kind: "tokens",
          direction: "output",
        });
        collector.recordSignal(GoldenSignals.TRAFFIC, Math.round(operation.outputTokens * 4.4), {
          direction: "output",
        });
      },
      { exchange: operation.exchange },
    );
  } catch {
    // The simulated crash: trace() recorded it as error_type="crash"; the demo carries on.
  }
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
