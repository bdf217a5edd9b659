import type { ErrorType } from "../../signals/label-values.js";

/**
 * The one error taxonomy of AI calls, for every path (`exchange()`, `collector.instrument()`, the
 * AI SDK middleware, the LangChain handler, `instrumentFetch`), decided from the real SDKs' error
 * classes and statuses (openai 6, @anthropic-ai/sdk 1, ai 6, @langchain/openai 1, undici):
 *
 * | what failed | error_type |
 * |---|---|
 * | HTTP 429, `RateLimitError`, a `rate_limit_error` / `rate_limit_exceeded` body, LangChain `MODEL_RATE_LIMIT` | `rate_limited` |
 * | the SDK's own timeout (`APIConnectionTimeoutError`, LangChain's `TimeoutError`), `AbortSignal.timeout()`, HTTP 408 and 504, undici `UND_ERR_*_TIMEOUT`, `ETIMEDOUT` | `timeout` |
 * | a body that does not parse (`SyntaxError`, AI SDK `JSONParseError`, `TypeValidationError`, `InvalidResponseDataError`, `EmptyResponseBodyError`, `NoContentGeneratedError`) | `invalid_response` |
 * | other HTTP 5xx (and Anthropic's 529 `overloaded_error`), `APIConnectionError`, a cut connection (`ECONNRESET`, `UND_ERR_SOCKET`, undici's `fetch failed` / `terminated`) | `provider_error` |
 * | other HTTP 4xx (a request the provider refused: auth, bad parameters), a caller's abort | `other` |
 * | anything else: an exception of the caller's own code | undefined (a `crash`) |
 *
 * Retries wrap the last failure (AI SDK `RetryError.lastError`): wrappers and `cause` chains are
 * followed a few levels deep. Never throws, even for a revoked proxy or a throwing getter (then
 * undefined: the value passes through as the caller threw it).
 */
export function aiErrorType(error: unknown): ErrorType | undefined {
  try {
    let current: unknown = error;
    for (let depth = 0; depth < 5 && isObject(current); depth++) {
      const type = ownType(current);
      if (type !== undefined) return type;
      current = next(current);
    }
  } catch {
    // A proxy or getter that throws: unclassified.
  }
  return undefined;
}

/** Errors an instrumented call already classified (a parse failure is `invalid_response` whatever its class). */
const CLASSIFIED = new WeakMap<object, ErrorType>();

/** Remembers how an adapter classified `error`, so that an enclosing exchange reads the same type. */
export function markErrorType(error: unknown, type: ErrorType): void {
  if (isObject(error)) {
    try {
      CLASSIFIED.set(error, type);
    } catch {
      // Not weakly holdable (never for objects): nothing to remember.
    }
  }
}

/** The type an adapter gave `error`, else {@link aiErrorType}. */
export function classifiedErrorType(error: unknown): ErrorType | undefined {
  if (isObject(error)) {
    const marked = CLASSIFIED.get(error);
    if (marked !== undefined) return marked;
  }
  return aiErrorType(error);
}

/** Error type of an HTTP status a provider answered with, or undefined for a success (< 400). */
export function statusErrorType(status: number): ErrorType | undefined {
  if (status === 429) return "rate_limited";
  if (status === 408 || status === 504) return "timeout";
  if (status >= 500 && status <= 599) return "provider_error";
  if (status >= 400 && status <= 499) return "other";
  return undefined;
}

const TIMEOUT_NAMES = new Set(["TimeoutError", "APIConnectionTimeoutError", "ConnectTimeoutError"]);
const RATE_LIMIT_NAMES = new Set(["RateLimitError"]);
const PROVIDER_NAMES = new Set(["APIConnectionError", "InternalServerError", "SocketError"]);
const INVALID_RESPONSE_NAMES = new Set([
  "SyntaxError",
  "AI_JSONParseError",
  "AI_TypeValidationError",
  "AI_InvalidResponseDataError",
  "AI_EmptyResponseBodyError",
  "AI_NoContentGeneratedError",
  "JSONParseError",
  "TypeValidationError",
  "InvalidResponseDataError",
  "EmptyResponseBodyError",
]);
const ABORT_NAMES = new Set(["AbortError", "APIUserAbortError"]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

function ownType(error: Record<string, unknown>): ErrorType | undefined {
  const name = typeof error.name === "string" ? error.name : undefined;
  const className = constructorName(error);
  const code = typeof error.code === "string" ? error.code : undefined;
  if (isName(TIMEOUT_NAMES, name, className)) return "timeout";
  if (code !== undefined && /TIMEOUT|ETIMEDOUT/i.test(code)) return "timeout";
  const status = httpStatus(error);
  if (status !== undefined) {
    const type = statusErrorType(status);
    if (type !== undefined) return type;
  }
  if (isName(RATE_LIMIT_NAMES, name, className) || error.lc_error_code === "MODEL_RATE_LIMIT")
    return "rate_limited";
  const bodyType = providerErrorBodyType(error);
  if (bodyType !== undefined) return bodyType;
  if (isName(INVALID_RESPONSE_NAMES, name, className)) return "invalid_response";
  if (isName(PROVIDER_NAMES, name, className)) return "provider_error";
  if (code !== undefined && NETWORK_CODES.has(code)) return "provider_error";
  // undici: `TypeError: fetch failed` (cause: the socket error) and `TypeError: terminated` (a body cut short).
  if (name === "TypeError" && (error.message === "fetch failed" || error.message === "terminated")) {
    const cause = error.cause;
    const causeType = isObject(cause) ? ownType(cause) : undefined;
    return causeType ?? "provider_error";
  }
  if (isName(ABORT_NAMES, name, className)) return "other";
  return undefined;
}

/** The next error to look at: the AI SDK's `RetryError.lastError`, else the `cause`. */
function next(error: Record<string, unknown>): unknown {
  if (isObject(error.lastError)) return error.lastError;
  return error.cause;
}

function httpStatus(error: Record<string, unknown>): number | undefined {
  // openai / Anthropic `status`, AI SDK `statusCode`.
  const status = typeof error.status === "number" ? error.status : error.statusCode;
  return typeof status === "number" && Number.isInteger(status) ? status : undefined;
}

/** Error objects of provider bodies and stream `error` events, which carry no HTTP status. */
function providerErrorBodyType(error: Record<string, unknown>): ErrorType | undefined {
  const body = isObject(error.error) ? error.error : undefined;
  const inner = body !== undefined && isObject(body.error) ? body.error : body;
  const kinds = [error.type, error.code, inner?.type, inner?.code];
  for (const kind of kinds) {
    if (typeof kind !== "string") continue;
    if (kind === "rate_limit_error" || kind === "rate_limit_exceeded") return "rate_limited";
    if (kind === "overloaded_error" || kind === "api_error" || kind === "server_error")
      return "provider_error";
  }
  return undefined;
}

function constructorName(error: object): string | undefined {
  const ctor = (error as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === "string" ? ctor.name : undefined;
}

function isName(
  names: ReadonlySet<string>,
  name: string | undefined,
  className: string | undefined,
): boolean {
  return (name !== undefined && names.has(name)) || (className !== undefined && names.has(className));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
