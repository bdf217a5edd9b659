import { scrubValue } from "../privacy/scrub-value.js";

/**
 * The exception's class name, scrubbed and bounded to 64 characters: never its message (it may
 * hold the user's content). The `error.type` of a span whose operation threw.
 */
export function errorTypeName(error: unknown): string {
  let name: unknown;
  try {
    name =
      error instanceof Error
        ? error.constructor?.name || error.name || "Error"
        : error === null
          ? "null"
          : typeof error;
  } catch {
    name = "Error";
  }
  return scrubValue(String(name), 64) || "Error";
}
