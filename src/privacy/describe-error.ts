/**
 * A thrown value as a short diagnostic: `Name: message` for errors, the type otherwise. Never
 * throws, whatever was thrown (a revoked proxy, a throwing getter, a BigInt, a cyclic object).
 */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return typeof error === "string" ? error : typeof error;
  } catch {
    return "unreadable error";
  }
}
