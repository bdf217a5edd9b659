import { parseArgs } from "node:util";
import { writeOut } from "./stdout-closed.js";

/** How one flag's value is read and checked. */
export type FlagSpec =
  | { readonly type: "boolean"; readonly short?: string; readonly description: string }
  | {
      readonly type: "string";
      readonly short?: string;
      readonly description: string;
      /** Placeholder in the usage, e.g. `FILE`. */
      readonly valueName: string;
      /** Accepted values; any string when absent. */
      readonly choices?: readonly string[];
    }
  | {
      readonly type: "integer" | "number";
      readonly short?: string;
      readonly description: string;
      readonly valueName: string;
      /** Smallest accepted value (inclusive). */
      readonly min?: number;
      /** Largest accepted value (inclusive). */
      readonly max?: number;
      /** The value must be above `min`, not equal to it (rates, durations). */
      readonly minExclusive?: boolean;
    };

/** One subcommand of the `zoran-telemetrie` binary: its flags and how its usage reads. */
export interface CommandSpec<
  F extends Readonly<Record<string, FlagSpec>> = Readonly<Record<string, FlagSpec>>,
> {
  readonly name: string;
  /** One line, shown in the list of commands. */
  readonly summary: string;
  /** The synopsis after `zoran-telemetrie <name>`, e.g. `--out DIR [--grafana] [--kibana]`. */
  readonly synopsis: string;
  /** A paragraph under the synopsis. */
  readonly description: string;
  readonly flags: F;
}

/** The parsed value of each flag: numbers already checked, absent flags missing. */
export type FlagValues<F extends Readonly<Record<string, FlagSpec>>> = {
  -readonly [K in keyof F]?: F[K] extends { type: "boolean" }
    ? boolean
    : F[K] extends { type: "integer" | "number" }
      ? number
      : string;
};

/**
 * A command line the command cannot run: the CLI prints the message and the command's usage and
 * exits with status 2 (the convention of `getopt` users such as `grep` and `diff`).
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Every command accepts `-h`/`--help`. */
const HELP_FLAG: FlagSpec = { type: "boolean", short: "h", description: "show this help" };

/**
 * Parses `argv` (the arguments after the command name) against `spec` with `node:util`
 * `parseArgs`, then checks what `parseArgs` does not: unknown options (with a suggestion), a
 * value that is another option, numbers and their ranges, choices, stray positionals. Every
 * failure is a {@link UsageError} naming the one flag at fault.
 *
 * A negative number after a flag is read as its value (`--rate -5` means `--rate=-5`, then
 * fails the range check), not as an ambiguous option.
 *
 * @returns the values, and `help: true` when `-h`/`--help` was given (nothing else is checked then)
 */
export function parseCommandLine<F extends Readonly<Record<string, FlagSpec>>>(
  spec: CommandSpec<F>,
  argv: readonly string[],
): { values: FlagValues<F>; help: boolean } {
  const flags: Record<string, FlagSpec> = { ...spec.flags, help: HELP_FLAG };
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, flag] of Object.entries(flags)) {
    options[name] = {
      type: flag.type === "boolean" ? "boolean" : "string",
      ...(flag.short ? { short: flag.short } : {}),
    };
  }
  // Non-strict with tokens: parseArgs splits the line, and the checks below word the errors.
  const { tokens = [] } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (tokens.some((token) => token.kind === "option" && token.name === "help")) {
    return { values: {} as FlagValues<F>, help: true };
  }
  const values: Record<string, string | number | boolean> = {};
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      throw new UsageError(`unexpected argument "${token.value}"`);
    }
    const flag = flags[token.name];
    if (flag === undefined) {
      const suggestion = closest(token.name, Object.keys(spec.flags));
      throw new UsageError(
        `unknown option ${token.rawName}${suggestion === undefined ? "" : ` (did you mean --${suggestion}?)`}`,
      );
    }
    const display = `--${token.name}`;
    if (flag.type === "boolean") {
      if (token.inlineValue) throw new UsageError(`${display} takes no value`);
      values[token.name] = true;
      continue;
    }
    const raw = token.value;
    if (raw === undefined || (!token.inlineValue && raw.startsWith("-") && !isNumeric(raw))) {
      throw new UsageError(`${display} needs a value (${flag.valueName})`);
    }
    if (token.name in values) throw new UsageError(`${display} is given twice`);
    values[token.name] = checkValue(display, flag, raw);
  }
  return { values: values as FlagValues<F>, help: false };
}

function checkValue(display: string, flag: FlagSpec, raw: string): string | number {
  if (flag.type === "string") {
    if (raw === "") throw new UsageError(`${display} needs a value (${flag.valueName})`);
    if (flag.choices !== undefined && !flag.choices.includes(raw)) {
      throw new UsageError(`${display} must be ${orList(flag.choices)}, got "${raw}"`);
    }
    return raw;
  }
  if (flag.type === "boolean") return raw;
  const value = isNumeric(raw) ? Number(raw) : Number.NaN;
  const integer = flag.type === "integer";
  const tooLow =
    flag.min !== undefined && (flag.minExclusive === true ? !(value > flag.min) : !(value >= flag.min));
  const tooHigh = flag.max !== undefined && !(value <= flag.max);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || tooLow || tooHigh) {
    throw new UsageError(`${display} must be ${describeRange(flag)}, got "${raw}"`);
  }
  return value;
}

function describeRange(flag: Extract<FlagSpec, { type: "integer" | "number" }>): string {
  const what = flag.type === "integer" ? "an integer" : "a number";
  const { min, max } = flag;
  if (min !== undefined && max !== undefined && flag.minExclusive !== true)
    return `${what} from ${min} to ${max}`;
  const bounds: string[] = [];
  if (min !== undefined) bounds.push(`${flag.minExclusive === true ? ">" : ">="} ${min}`);
  if (max !== undefined) bounds.push(`<= ${max}`);
  return bounds.length === 0 ? what : `${what} ${bounds.join(" and ")}`;
}

/** A decimal number as a person types it (no hex, no empty string, no `Infinity`). */
function isNumeric(text: string): boolean {
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text);
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** The known flag nearest to a mistyped one (at most two edits away, or a prefix of it). */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.startsWith(name) ? 1 : editDistance(name, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The usage text of a command: synopsis, description, then one line per flag. */
export function formatUsage(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.flags, help: HELP_FLAG }).map(([name, flag]) => {
    const left = `${flag.short ? `-${flag.short}, ` : ""}--${name}${flag.type === "boolean" ? "" : ` ${flag.valueName}`}`;
    return [left, flag.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const options = rows.map(([left, text]) => `  ${left.padEnd(width)}${text}`).join("\n");
  return `Usage: zoran-telemetrie ${spec.name} ${spec.synopsis}\n\n${spec.description}\n\nOptions:\n${options}\n`;
}

/**
 * Runs one command: parses `argv` against `spec`, prints the usage for `--help` (exit 0) or the
 * message and the usage for a bad command line (exit 2), else calls `run` with the values. A
 * {@link UsageError} thrown by `run` (flags that contradict each other) also exits 2; any other
 * error is printed as `zoran-telemetrie <command>: <what failed>: <cause>` and exits 1.
 */
export async function runCommand<F extends Readonly<Record<string, FlagSpec>>>(
  spec: CommandSpec<F>,
  argv: readonly string[],
  run: (values: FlagValues<F>) => Promise<number>,
): Promise<number> {
  try {
    const parsed = parseCommandLine(spec, argv);
    if (parsed.help) {
      writeOut(formatUsage(spec));
      return 0;
    }
    return await run(parsed.values);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`zoran-telemetrie ${spec.name}: ${error.message}\n\n${formatUsage(spec)}`);
      return 2;
    }
    process.stderr.write(`zoran-telemetrie ${spec.name}: ${describeError(error)}\n`);
    return 1;
  }
}

/**
 * An error's message followed by its causes, down to the system error: `fetch failed` alone
 * says nothing, `fetch failed: connect ECONNREFUSED 127.0.0.1:9464` says what to fix.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof AggregateError && current.errors.length > 0) {
      // Node's happy-eyeballs connect: one error per address tried (::1, then 127.0.0.1).
      const inner = current.errors.map((e: unknown) => describeError(e));
      parts.push([...new Set(inner)].join("; "));
      break;
    }
    const text = current instanceof Error ? current.message : String(current);
    if (text !== "" && !parts.some((part) => part.includes(text))) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}
