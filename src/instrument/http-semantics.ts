import type { ErrorType } from "../signals/label-values.js";
import { aiErrorType } from "./ai/ai-error-type.js";

// HTTP semantic conventions: methods outside the well-known set become `_OTHER`, so that a client
// sending arbitrary methods cannot create series at will.
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
  "CONNECT",
  "TRACE",
  "QUERY",
]);

/** The request method as the HTTP semantic conventions name it: upper case, or `_OTHER`. */
export function normalizeMethod(method: unknown): string {
  if (typeof method !== "string") return "_OTHER";
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : "_OTHER";
}

/**
 * Golden-signal error type of a response a server sent, or undefined when it is a success.
 * Client mistakes (4xx) are not the server's errors, except 429 which says it is saturated.
 *
 * | status | error_type |
 * |---|---|
 * | 429 | `rate_limited` |
 * | 500 | `crash` (the handler failed) |
 * | 504 | `timeout` |
 * | other 5xx | `other` |
 */
export function serverErrorType(statusCode: number): ErrorType | undefined {
  if (statusCode === 429) return "rate_limited";
  if (statusCode < 500 || statusCode > 599) return undefined;
  if (statusCode === 500) return "crash";
  if (statusCode === 504) return "timeout";
  return "other";
}

/**
 * Golden-signal error type of a response a client received, or undefined when it is a success:
 * 429 `rate_limited`, 408 and 504 `timeout`, other 5xx `provider_error` (the one AI error
 * taxonomy, `ai/ai-error-type.ts`). Other 4xx are the caller's own mistakes and stay visible in
 * the span's status code, not in the error rate.
 */
export function clientErrorType(statusCode: number): ErrorType | undefined {
  if (statusCode === 429) return "rate_limited";
  if (statusCode === 408 || statusCode === 504) return "timeout";
  if (statusCode >= 500 && statusCode <= 599) return "provider_error";
  return undefined;
}

/**
 * Golden-signal error type of a thrown error, by the one AI error taxonomy (`ai/ai-error-type.ts`):
 * timeouts (`TimeoutError`, `ETIMEDOUT`, undici `UND_ERR_*_TIMEOUT`, the SDKs' connection
 * timeouts) are `timeout`; status 429 `rate_limited`; cut connections and provider 5xx
 * `provider_error`; unparseable bodies `invalid_response`; undefined otherwise (the caller decides).
 */
export function thrownErrorType(error: unknown): ErrorType | undefined {
  return aiErrorType(error);
}
