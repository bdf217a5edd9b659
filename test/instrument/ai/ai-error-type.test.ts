import Anthropic from "@anthropic-ai/sdk";
import { APICallError, RetryError } from "ai";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { aiErrorType } from "../../../src/instrument/ai/ai-error-type.js";

// The one AI error taxonomy, on the SDKs' real error classes (constructed as the SDKs construct them).

const headers = new Headers();

describe("aiErrorType", () => {
  it("reads the openai SDK's errors", () => {
    expect(aiErrorType(OpenAI.APIError.generate(429, { error: {} }, "rate", headers))).toBe("rate_limited");
    expect(aiErrorType(OpenAI.APIError.generate(500, { error: {} }, "boom", headers))).toBe("provider_error");
    expect(aiErrorType(OpenAI.APIError.generate(503, { error: {} }, "down", headers))).toBe("provider_error");
    expect(aiErrorType(OpenAI.APIError.generate(400, { error: {} }, "bad", headers))).toBe("other");
    expect(aiErrorType(new OpenAI.APIConnectionTimeoutError())).toBe("timeout");
    expect(aiErrorType(new OpenAI.APIConnectionError({ message: "cut" }))).toBe("provider_error");
    expect(aiErrorType(new OpenAI.APIUserAbortError())).toBe("other");
    // A stream `error` event carries no status: its body says what it is.
    expect(aiErrorType(new OpenAI.APIError(undefined, { type: "server_error" }, "x", undefined))).toBe(
      "provider_error",
    );
  });

  it("reads the Anthropic SDK's errors, 529 overloaded included", () => {
    expect(aiErrorType(Anthropic.APIError.generate(429, {}, "rate", headers))).toBe("rate_limited");
    expect(aiErrorType(Anthropic.APIError.generate(529, {}, "overloaded", headers))).toBe("provider_error");
    expect(aiErrorType(new Anthropic.APIConnectionTimeoutError())).toBe("timeout");
    const event = new Anthropic.APIError(
      undefined,
      { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      undefined,
      undefined,
    );
    expect(aiErrorType(event)).toBe("provider_error");
  });

  it("reads the AI SDK's statusCode and follows RetryError.lastError", () => {
    const limited = new APICallError({
      message: "Too many",
      url: "http://x",
      requestBodyValues: {},
      statusCode: 429,
      isRetryable: true,
    });
    expect(aiErrorType(limited)).toBe("rate_limited");
    const retry = new RetryError({ message: "gave up", reason: "maxRetriesExceeded", errors: [limited] });
    expect(aiErrorType(retry)).toBe("rate_limited");
    const cut = new APICallError({
      message: "Cannot connect",
      url: "http://x",
      requestBodyValues: {},
      cause: new TypeError("fetch failed", { cause: { code: "ECONNRESET" } }),
    });
    expect(aiErrorType(cut)).toBe("provider_error");
  });

  it("types undici failures, parse failures and timeouts; anything else is a crash", () => {
    expect(aiErrorType(new TypeError("terminated", { cause: { code: "UND_ERR_SOCKET" } }))).toBe(
      "provider_error",
    );
    expect(aiErrorType(new TypeError("fetch failed", { cause: { code: "UND_ERR_CONNECT_TIMEOUT" } }))).toBe(
      "timeout",
    );
    expect(aiErrorType(new SyntaxError("Unexpected end of JSON input"))).toBe("invalid_response");
    expect(aiErrorType(new DOMException("late", "TimeoutError"))).toBe("timeout");
    expect(aiErrorType(Object.assign(new Error("quota"), { lc_error_code: "MODEL_RATE_LIMIT" }))).toBe(
      "rate_limited",
    );
    expect(aiErrorType(new TypeError("x is not a function"))).toBeUndefined();
    expect(aiErrorType(new RangeError("bad"))).toBeUndefined();
    expect(aiErrorType("text")).toBeUndefined();
  });

  it("never throws, for revoked proxies and throwing getters", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(aiErrorType(proxy)).toBeUndefined();
    expect(
      aiErrorType({
        get name(): string {
          throw new Error("getter");
        },
      }),
    ).toBeUndefined();
  });
});
