import { scrubValue } from "./scrub-value.js";

/**
 * Diagnostics that never carry the caller's content. A thrown value reaches our `diag` messages
 * from the application's own code (an attribute getter, a proxy, an observable callback, a
 * notifier, an option) and from the transport; its message often quotes the input
 * (`could not reach jane@example.com`, `Failed to parse URL from https://hooks.slack.com/services/T0/B0/SECRET`).
 * So an error is described by what identifies the failure without quoting it: its class name,
 * the system or library code (`ECONNREFUSED`, `ERR_INVALID_URL`, `UND_ERR_CONNECT_TIMEOUT`), the
 * system call, the port, the HTTP status, then the same for its `cause`. Never the message or
 * the stack, except the messages this library writes itself (they start with `zoran-telemetrie`
 * and name options, never values). Every other value is described by its type and size.
 *
 * Nothing here throws, whatever it is given: a revoked proxy, throwing getters, a cyclic cause
 * chain, a BigInt.
 */

// Messages this library writes: they name options and what to do, never a caller's value.
const OWN_MESSAGE = /^zoran-telemetrie[: ]/;
const MAX_OWN_MESSAGE = 300;

// Codes of Node (`ECONNREFUSED`, `ERR_INVALID_URL`) and undici (`UND_ERR_SOCKET`): upper case,
// digits and underscores; anything else in `code` may be the caller's and is left out.
const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;
const SYSCALL = /^[a-z][a-z0-9_]{1,31}$/;
const MAX_CAUSES = 2;

/**
 * A thrown value as a short diagnostic with no caller content: `TypeError`,
 * `TypeError (cause: Error ECONNREFUSED connect <ipv4>:4318)`, `OTLPExporterError (HTTP 503)`;
 * for anything but an error, its type (`a string of 12 characters`, `an object`).
 *
 * @example
 * diag.warn(`zoran-telemetrie: collection error: ${describeError(error)}`);
 */
export function describeError(error: unknown): string {
  return describeThrown(error, MAX_CAUSES);
}

/**
 * Any value as a diagnostic shows it: its type and size, never its content (`a string of 12
 * characters`, `an array of 3`, `an object`, `a number`, `null`).
 *
 * @example
 * diag.warn(`zoran-telemetrie: option prometheus.port must be a port number; got ${describeForDiag(value)}`);
 */
export function describeForDiag(value: unknown): string {
  try {
    if (value === null) return "null";
    if (value === undefined) return "undefined";
    if (typeof value === "string") return `a string of ${value.length} characters`;
    if (Array.isArray(value)) return `an array of ${value.length}`;
    if (typeof value === "object") return "an object";
    return `a ${typeof value}`;
  } catch {
    // `Array.isArray` throws on a revoked proxy.
    return "an object";
  }
}

function describeThrown(error: unknown, causesLeft: number): string {
  let isError: boolean;
  try {
    isError = error instanceof Error;
  } catch {
    // A revoked proxy: `instanceof` reads its prototype and throws.
    isError = false;
  }
  if (!isError) return describeForDiag(error);
  try {
    const parts = [typeName(error as Error)];
    const { code, syscall, address, port, status, statusCode } = error as {
      code?: unknown;
      syscall?: unknown;
      address?: unknown;
      port?: unknown;
      status?: unknown;
      statusCode?: unknown;
    };
    if (typeof code === "string" && CODE.test(code)) parts.push(code);
    if (typeof syscall === "string" && SYSCALL.test(syscall)) {
      const where = typeof address === "string" ? scrubValue(address, 64) : "";
      parts.push(
        typeof port === "number" && Number.isInteger(port) ? `${syscall} ${where}:${port}` : syscall,
      );
    }
    const httpStatus = [code, status, statusCode].find(isHttpStatus);
    let text = parts.join(" ");
    const message = (error as Error).message;
    if (typeof message === "string" && OWN_MESSAGE.test(message)) {
      text += `: ${scrubValue(message, MAX_OWN_MESSAGE)}`;
    }
    if (httpStatus !== undefined) text += ` (HTTP ${httpStatus})`;
    const cause = (error as { cause?: unknown }).cause;
    if (causesLeft > 0 && cause !== undefined && cause !== error) {
      text += ` (cause: ${describeThrown(cause, causesLeft - 1)})`;
    }
    return text;
  } catch {
    return "an error that cannot be read";
  }
}

/** The class name (`TypeError`, `OTLPExporterError`), scrubbed and short: a name set by the caller is free text. */
function typeName(error: Error): string {
  let name: unknown;
  try {
    name = error.name;
  } catch {
    name = undefined;
  }
  if (typeof name !== "string" || name === "" || name === "Error") {
    try {
      name = error.constructor?.name || name;
    } catch {
      // A proxy whose `constructor` throws: keep what we have.
    }
  }
  return (typeof name === "string" && scrubValue(name, 64)) || "Error";
}

function isHttpStatus(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 100 && value <= 599;
}
