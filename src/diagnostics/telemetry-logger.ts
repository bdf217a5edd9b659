import { type DiagLogger, diag as globalDiag } from "@opentelemetry/api";

/** Levels of `OTEL_LOG_LEVEL`, most severe first (OpenTelemetry SDK configuration spec). */
const LEVELS = ["none", "error", "warn", "info", "debug", "verbose", "all"] as const;
type LevelName = (typeof LEVELS)[number];
type Method = "error" | "warn" | "info" | "debug" | "verbose";

/** Rank of each logger method: printed when the configured level's rank is at least this. */
const METHOD_RANK: Readonly<Record<Method, number>> = { error: 1, warn: 2, info: 3, debug: 4, verbose: 5 };

/** Distinct messages remembered for once-per-cause printing; past it, new causes are not printed. */
const MAX_REMEMBERED_MESSAGES = 1_000;

/**
 * Key of the OpenTelemetry API's global registry (`@opentelemetry/api` keeps its globals under
 * `Symbol.for("opentelemetry.js.api.<major>")`, and a `diag` entry only once a logger is set).
 * Read to tell whether the application installed a diag logger; 1.x for api 1.9 and 1.10 alike.
 */
const API_GLOBAL = Symbol.for("opentelemetry.js.api.1");

/** Options of {@link createTelemetryLogger}. */
export interface TelemetryLoggerOptions {
  /** A logger given in code: receives everything, nothing is printed. */
  readonly diag?: DiagLogger | undefined;
  /** Where lines go when no logger is installed. @default process.stderr */
  readonly write?: (line: string) => void;
  /** Environment to read `OTEL_LOG_LEVEL` from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The one logger of a collector, handed to every part. Loud by default, quiet on request:
 *
 * - a `diag` logger given in code receives every message (wrapped so a logger that throws or
 *   lacks a method cannot break the caller);
 * - else, when the application installed an OpenTelemetry diag logger (`diag.setLogger`), the
 *   global `diag` receives them, with the level the application chose;
 * - else each distinct message at or above `OTEL_LOG_LEVEL` (default `info`; `none` silences)
 *   is written once to stderr, so a misspelt exporter or a receiver that is down is seen.
 */
export function createTelemetryLogger(options: TelemetryLoggerOptions = {}): DiagLogger {
  const given = options.diag;
  if (given !== undefined && given !== null) return safeLogger(given);
  const env = options.env ?? process.env;
  const level = levelRank(env.OTEL_LOG_LEVEL);
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const printed = new Set<string>();
  const method =
    (name: Method) =>
    (message: string, ...args: unknown[]): void => {
      try {
        if (applicationLoggerInstalled()) {
          globalDiag[name](message, ...args);
          return;
        }
        if (METHOD_RANK[name] > level || printed.has(message)) return;
        if (printed.size < MAX_REMEMBERED_MESSAGES) printed.add(message);
        else return;
        write(`${message.startsWith("zoran-telemetrie") ? "" : "zoran-telemetrie: "}${message} [${name}]\n`);
      } catch {
        // A closed stderr or a throwing logger: telemetry never breaks the caller.
      }
    };
  return {
    error: method("error"),
    warn: method("warn"),
    info: method("info"),
    debug: method("debug"),
    verbose: method("verbose"),
  };
}

/** Rank of an `OTEL_LOG_LEVEL` value; unset or unknown is `info` (the spec's default). */
function levelRank(value: string | undefined): number {
  const name = value?.trim().toLowerCase() as LevelName | undefined;
  const index = name === undefined ? -1 : LEVELS.indexOf(name);
  return index < 0 ? LEVELS.indexOf("info") : index;
}

function applicationLoggerInstalled(): boolean {
  const registry = (globalThis as Record<symbol, { diag?: unknown } | undefined>)[API_GLOBAL];
  return registry?.diag !== undefined;
}

/** A logger whose every method exists and never throws, whatever object was given. */
function safeLogger(logger: DiagLogger): DiagLogger {
  const method =
    (name: Method) =>
    (message: string, ...args: unknown[]): void => {
      try {
        const fn = (logger as unknown as Record<string, unknown>)[name];
        if (typeof fn === "function") fn.call(logger, message, ...args);
      } catch {
        // The application's logger threw: nothing to report it to.
      }
    };
  return {
    error: method("error"),
    warn: method("warn"),
    info: method("info"),
    debug: method("debug"),
    verbose: method("verbose"),
  };
}
