import { describe, expect, it } from "vitest";
import {
  clientErrorType,
  normalizeMethod,
  serverErrorType,
  thrownErrorType,
} from "../../src/instrument/http-semantics.js";

describe("HTTP semantics of the instrumentation", () => {
  it("keeps well-known methods and folds the rest into _OTHER", () => {
    expect(normalizeMethod("get")).toBe("GET");
    expect(normalizeMethod("PURGE")).toBe("_OTHER");
    expect(normalizeMethod(undefined)).toBe("_OTHER");
  });

  it("maps server statuses: 4xx are the client's, 429 rate_limited, 500 crash, 504 timeout", () => {
    expect([200, 404, 429, 500, 502, 503, 504].map(serverErrorType)).toEqual([
      undefined,
      undefined,
      "rate_limited",
      "crash",
      "other",
      "other",
      "timeout",
    ]);
  });

  it("maps client statuses: 408 and 504 timeout, 429 rate_limited, other 5xx provider_error", () => {
    expect([201, 400, 408, 429, 500, 504].map(clientErrorType)).toEqual([
      undefined,
      undefined,
      "timeout",
      "rate_limited",
      "provider_error",
      "timeout",
    ]);
  });

  it("recognises timeouts and rate limits in thrown errors and their causes", () => {
    expect(thrownErrorType(new DOMException("late", "TimeoutError"))).toBe("timeout");
    expect(
      thrownErrorType(new TypeError("fetch failed", { cause: { code: "UND_ERR_CONNECT_TIMEOUT" } })),
    ).toBe("timeout");
    expect(thrownErrorType(Object.assign(new Error("429 Too Many Requests"), { status: 429 }))).toBe(
      "rate_limited",
    );
    expect(thrownErrorType(new Error("other"))).toBeUndefined();
    expect(thrownErrorType("text")).toBeUndefined();
  });
});
