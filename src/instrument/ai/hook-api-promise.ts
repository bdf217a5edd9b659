import type { SdkCall } from "./sdk-call.js";

interface ApiPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: (
    client: unknown,
    props: { options?: { stream?: unknown }; response?: unknown },
  ) => Promise<unknown>;
  parsedPromise?: unknown;
  asResponse?: () => Promise<unknown>;
}

function isApiPromise(value: unknown): value is ApiPromiseLike {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<ApiPromiseLike>;
  return (
    typeof candidate.parseResponse === "function" && typeof candidate.responsePromise?.then === "function"
  );
}

/**
 * Observes the SDK's `APIPromise` in place (the object the caller gets stays the SDK's, with
 * `withResponse()`, `asResponse()` and its laziness): the response promise for failures before a
 * body (statuses, connection, timeouts), the body parser for the answer or the stream, and
 * `asResponse()` for callers who read the raw response themselves.
 */
export function hookApiPromise(promise: unknown, call: SdkCall): void {
  if (!isApiPromise(promise)) {
    // Not the shape of openai 6 / @anthropic-ai/sdk 1: ended when it settles, without usage.
    if (typeof (promise as { then?: unknown } | null)?.then === "function") {
      (promise as Promise<unknown>).then(
        (value) => call.parsed(value, false),
        (error: unknown) => call.end(error, "request"),
      );
    } else call.end();
    return;
  }
  promise.responsePromise = promise.responsePromise.then(
    (props) => {
      call.responseSettled();
      return props;
    },
    (error: unknown) => {
      call.end(error, "request");
      throw error;
    },
  );
  const parse = promise.parseResponse;
  promise.parseResponse = function (this: unknown, client, props) {
    let stream = false;
    try {
      stream = props?.options?.stream === true;
      // Its size (Content-Length, or the SSE bytes as the stream is read), before the SDK reads it.
      const response = (props as { response?: unknown })?.response;
      if (response instanceof Response) call.response(response);
    } catch {
      stream = false;
    }
    return parse.call(this, client, props).then(
      (data) => {
        call.parsed(data, stream);
        return data;
      },
      (error: unknown) => {
        call.end(error, "parse");
        throw error;
      },
    );
  };
  const asResponse = promise.asResponse;
  if (typeof asResponse === "function") {
    promise.asResponse = function (this: ApiPromiseLike) {
      if (this.parsedPromise === undefined) call.raw();
      return asResponse.call(this);
    };
  }
}
