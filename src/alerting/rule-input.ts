import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import { type RuleIssue, RuleValidationError } from "./rule-validation-error.js";

let yamlModule: typeof Yaml | undefined;

/**
 * The `yaml` package, loaded when a rule file is first read rather than with the package (about
 * 7 ms of a cold import here; docs/benchmarks.md, import time). A `require`, since `loadRules()`
 * is synchronous (a bad file throws from the collector's constructor): in Node, `yaml` resolves
 * to the same CommonJS file for `import` and `require`, so this is the module an `import` gives.
 */
function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof Yaml;
  return yamlModule;
}

/**
 * Bounds on what `loadRules()` accepts, checked before anything is parsed or kept, so a hostile
 * or runaway rule file is a clear {@link RuleValidationError} instead of an aborted process
 * (issue 15 item 15: 50,000 nested `[` aborted in the YAML parser, a 50 MB annotation at 3.2 GB
 * RSS, 200,000 rules took 26 s and 1.9 GB). docs/alerting.md lists them.
 */
export const RULE_INPUT_LIMITS = Object.freeze({
  /** Size of a rule file, in bytes. */
  maxFileBytes: 1024 * 1024,
  /** Nesting of objects and lists (a rule file needs 5: file, rules, rule, matchers, values). */
  maxDepth: 32,
  /** Threshold rules in one file or object. */
  maxRules: 1_000,
  /** SLOs in one file or object (each becomes 4 burn-rate rules). */
  maxSlos: 100,
  /** Characters of one string (names, annotations, label values). */
  maxStringLength: 16 * 1024,
  /** Values of any kind in one file or object (objects, lists, strings, numbers...). */
  maxValues: 200_000,
});

/** The value of an own property that could not be read (a getter or proxy that throws). */
const UNREADABLE = Symbol("unreadable");

/**
 * Reads a YAML or JSON rule file within {@link RULE_INPUT_LIMITS}: its size is checked before it
 * is read, the nesting of its flow collections (`[`, `{`) by the YAML lexer (which does not
 * recurse) before it is parsed. Syntax errors and broken bounds throw a `RuleValidationError`.
 */
export function readRuleFile(path: string): unknown {
  const text = readBounded(path);
  const depth = flowNestingDepth(text);
  if (depth > RULE_INPUT_LIMITS.maxDepth) {
    fail(
      "(syntax)",
      `nested deeper than ${RULE_INPUT_LIMITS.maxDepth} levels of [ ] or { } (found ${depth}); a rule file needs about 5`,
      path,
    );
  }
  try {
    // maxAliasCount bounds alias expansion ("billion laughs"); 100 is the library's default.
    return yaml().parse(text, { logLevel: "error", maxAliasCount: 100 });
  } catch (error) {
    return fail("(syntax)", error instanceof Error ? error.message : "unreadable YAML", path);
  }
}

/**
 * A plain copy of rule input written in code or parsed from a file: objects and lists copied
 * own key by own key, within {@link RULE_INPUT_LIMITS}. Validation then reads only this copy, so
 * a getter, a proxy or a `toString` of the caller's object can no longer throw through it, and
 * nothing the caller mutates later changes a rule. A value that cannot be read becomes an issue.
 */
export function copyRuleInput(value: unknown, source?: string): unknown {
  const issues: RuleIssue[] = [];
  let values = 0;
  const copy = (input: unknown, at: string, depth: number): unknown => {
    if (++values > RULE_INPUT_LIMITS.maxValues) {
      throw new RuleValidationError(
        [{ rule: "(file)", field: "(size)", message: `more than ${RULE_INPUT_LIMITS.maxValues} values` }],
        source,
      );
    }
    if (typeof input === "string") {
      if (input.length > RULE_INPUT_LIMITS.maxStringLength) {
        issues.push({
          rule: "(file)",
          field: at,
          message: `a string of ${input.length} characters (at most ${RULE_INPUT_LIMITS.maxStringLength})`,
        });
        return "";
      }
      return input;
    }
    if (input === null || typeof input !== "object") return input;
    if (depth >= RULE_INPUT_LIMITS.maxDepth) {
      throw new RuleValidationError(
        [
          {
            rule: "(file)",
            field: at,
            message: `nested deeper than ${RULE_INPUT_LIMITS.maxDepth} levels of objects or lists`,
          },
        ],
        source,
      );
    }
    let keys: string[];
    let isArray: boolean;
    try {
      isArray = Array.isArray(input);
      keys = Object.keys(input);
    } catch {
      issues.push({ rule: "(file)", field: at, message: "cannot be read (a proxy that throws)" });
      return UNREADABLE_VALUE;
    }
    // The rule and SLO lists are bounded before their entries are copied (200,000 rules in
    // code must not cost the copy of 200,000 rules to be refused).
    const listLimit =
      isArray && (at === "" || at === "rules")
        ? (["rules", RULE_INPUT_LIMITS.maxRules] as const)
        : isArray && at === "slos"
          ? (["SLOs", RULE_INPUT_LIMITS.maxSlos] as const)
          : undefined;
    if (listLimit !== undefined && keys.length > listLimit[1]) {
      throw new RuleValidationError(
        [
          {
            rule: "(file)",
            field: at === "" ? "rules" : at,
            message: `${keys.length} ${listLimit[0]}; at most ${listLimit[1]} are accepted`,
          },
        ],
        source,
      );
    }
    if (keys.length > RULE_INPUT_LIMITS.maxValues) {
      throw new RuleValidationError(
        [{ rule: "(file)", field: at, message: `more than ${RULE_INPUT_LIMITS.maxValues} entries` }],
        source,
      );
    }
    const out: unknown[] | Record<string, unknown> = isArray ? [] : {};
    for (const key of keys) {
      let item: unknown;
      try {
        item = (input as Record<string, unknown>)[key];
      } catch {
        item = UNREADABLE;
      }
      const path = isArray ? `${at}[${key}]` : at === "" ? key : `${at}.${key}`;
      const copied = item === UNREADABLE ? unreadable(path, issues) : copy(item, path, depth + 1);
      // defineProperty, not assignment: a `__proto__` key stays an own key and pollutes nothing.
      Object.defineProperty(out, key, {
        value: copied,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  const result = copy(value, "", 0);
  if (issues.length > 0) throw new RuleValidationError(issues, source);
  return result;
}

/** Stands for an unreadable value in the copy (validation never sees it: the copy throws first). */
const UNREADABLE_VALUE = Object.freeze({});

function unreadable(path: string, issues: RuleIssue[]): unknown {
  issues.push({ rule: "(file)", field: path, message: "cannot be read (a getter or proxy that throws)" });
  return UNREADABLE_VALUE;
}

/** The file's text, refusing before reading it whole when it is larger than the bound. */
function readBounded(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    return fail("(file)", describeFsError(error), path);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) fail("(file)", "not a regular file", path);
    const max = RULE_INPUT_LIMITS.maxFileBytes;
    if (stat.size > max) fail("(size)", `${stat.size} bytes; a rule file may hold at most ${max}`, path);
    // Read at most max + 1 bytes: a file that grows while it is read is still bounded.
    const buffer = Buffer.alloc(Math.min(stat.size, max) + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === buffer.length) break;
    }
    if (length > max) fail("(size)", `more than ${max} bytes; a rule file may hold at most ${max}`, path);
    return buffer.toString("utf8", 0, length);
  } catch (error) {
    if (error instanceof RuleValidationError) throw error;
    return fail("(file)", describeFsError(error), path);
  } finally {
    closeSync(fd);
  }
}

/** Deepest nesting of `[`/`{` flow collections, from the YAML lexer's tokens (quotes, comments and block scalars excluded). */
function flowNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let afterScalarMarker = false;
  for (const token of new (yaml().Lexer)().lex(text)) {
    // "\u001f" marks a scalar: the next token is its text, even when that text is "[".
    if (afterScalarMarker) {
      afterScalarMarker = false;
      continue;
    }
    if (token === "\u001f") afterScalarMarker = true;
    else if (token === "[" || token === "{") {
      depth++;
      if (depth > deepest) deepest = depth;
      // Far past the bound already: no need to read the rest.
      if (deepest > RULE_INPUT_LIMITS.maxDepth * 4) return deepest;
    } else if ((token === "]" || token === "}") && depth > 0) depth--;
  }
  return deepest;
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return error instanceof Error ? error.message : "cannot be read";
}

function fail(field: string, message: string, source: string): never {
  throw new RuleValidationError([{ rule: "(file)", field, message }], source);
}
