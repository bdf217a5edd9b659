/**
 * Issue 15, finding 12: "Helpers that throw into the app: `ex.usage(undefined)`, `ex.refused()`
 * with no argument, `ex.request(revokedProxy)`, `exchange()` options with a throwing getter,
 * `ex.fail(10n)` or a cyclic object (rejects after `fn` succeeded), and a revoked proxy thrown
 * by the app replaced by our TypeError."
 *
 * None of them may throw, nor change what the app's code returns or throws.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TelemetryCollector } from "../../src/collector/telemetry-collector.js";
import type { AiExchangeOptions } from "../../src/instrument/ai-exchange-options.js";
import type { ErrorType } from "../../src/signals/label-values.js";
import { sumOf } from "../helpers/prometheus-samples.js";

const collectors: TelemetryCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.shutdown()));
});

function newCollector(): TelemetryCollector {
  const warnings: string[] = [];
  const collector = new TelemetryCollector({
    exporter: "none",
    saturation: false,
    runtimeMetrics: false,
    diag: {
      error: (m) => warnings.push(m),
      warn: (m) => warnings.push(m),
      info() {},
      debug() {},
      verbose() {},
    },
  });
  collectors.push(collector);
  return collector;
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe("exchange() helpers given hostile values", () => {
  it("ex.usage(undefined), ex.refused(), ex.request(revoked proxy) return normally", async () => {
    const collector = newCollector();
    const proxy = revokedProxy();
    const result = await collector.exchange({ operation: "hostile_helpers", kind: "ai_ai" }, async (ex) => {
      ex.usage(undefined as never);
      ex.usage(null as never);
      ex.refused();
      expect(ex.request(proxy)).toBe(proxy);
      ex.response(proxy);
      ex.validate(proxy, () => true);
      return "the app's value";
    });
    expect(result).toBe("the app's value");
    const text = await collector.export("prometheus");
    // `refused()` without a policy is a refusal, not an error (no mustAnswer).
    expect(sumOf(text, "zoran_refusals_total", { operation: "hostile_helpers" })).toBe(1);
    expect(sumOf(text, "zoran_requests_total", { operation: "hostile_helpers", outcome: "ok" })).toBe(1);
  });

  it("options with a throwing getter run the exchange with defaults", async () => {
    const collector = newCollector();
    const options = {
      kind: "ai_human",
      get operation(): string {
        throw new Error("getter");
      },
      get model(): string {
        throw new Error("getter");
      },
    } as AiExchangeOptions;
    await expect(collector.exchange(options, async () => 42)).resolves.toBe(42);
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_requests_total", { operation: "none", exchange: "ai_human" })).toBe(1);
  });

  it("ex.fail(10n) and ex.fail(cyclic) do not reject an exchange whose fn succeeded", async () => {
    const collector = newCollector();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [10n, cyclic]) {
      await expect(
        collector.exchange({ operation: "odd_fail", kind: "ai_ai", provider: "openai" }, async (ex) => {
          ex.fail(value as unknown as ErrorType);
          return "done";
        }),
      ).resolves.toBe("done");
    }
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_errors_total", { operation: "odd_fail", error_type: "other" })).toBe(2);
  });

  it("a revoked proxy thrown by the app reaches the caller as it was thrown", async () => {
    const collector = newCollector();
    const thrown = revokedProxy();
    // Caught with try/catch: returning a revoked proxy from a `.then` callback would itself throw
    // (the promise checks the value for a `then`).
    let caught: unknown;
    try {
      await collector.exchange({ operation: "throws_proxy", kind: "ai_ai" }, async () => {
        throw thrown;
      });
    } catch (error) {
      caught = error;
    }
    expect(caught === thrown).toBe(true);
    const text = await collector.export("prometheus");
    expect(sumOf(text, "zoran_errors_total", { operation: "throws_proxy", error_type: "crash" })).toBe(1);
  });
});
