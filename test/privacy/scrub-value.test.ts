import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_LABEL_LENGTH, scrubValue } from "../../src/privacy/scrub-value.js";
import { propertyRuns } from "../helpers/property-runs.js";

// Deterministic: propertyRuns() gives every fc.assert the fixed seed PROPERTY_SEED (20261201,
// printed) and a fixed run count; only `npm run fuzz` draws random seeds.
describe("scrubValue", () => {
  it.each([
    ["mail jane.doe+ai@example.co.uk now", "mail <email> now"],
    ["from 192.168.10.24", "from <ipv4>"],
    ["from 2001:db8:85a3::8a2e:370:7334", "from <ipv6>"],
    ["call +33 6 12 34 56 78", "call <number>"],
    ["call (415) 555-0132", "call <number>"],
    ["card 4111 1111 1111 1111", "card <number>"],
    ["iban DE89 3704 0044 0532 0130 00", "iban <iban>"],
    ["key sk-proj-abcdefghijklmnop1234567890", "key <api_key>"],
    ["key sk-ant-api03-abcdefghijklmnopqrstu", "key <api_key>"],
    ["aws AKIAIOSFODNN7EXAMPLE", "aws <api_key>"],
    ["gh ghp_abcdefghijklmnopqrstuvwxyz0123456789", "gh <api_key>"],
    ["Authorization: Bearer abc.def-ghi_jkl", "Authorization: <credential>"],
    ["jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature", "jwt <jwt>"],
    ["read /home/jane/notes.txt", "read <path>/notes.txt"],
    ["session 123e4567-e89b-12d3-a456-426614174000", "session <id>"],
    ["see https://example.com/u/42?token=x", "see <url>"],
  ])("redacts %j", (raw, expected) => {
    expect(scrubValue(raw)).toBe(expected);
  });

  it("keeps ordinary operation names as they are", () => {
    for (const name of [
      "injection_4champs",
      "chat_completion",
      "GET /users/:id",
      "agent.handoff-v2",
      "gpt-4o",
    ]) {
      expect(scrubValue(name)).toBe(name);
    }
  });

  it("removes control characters, repairs lone surrogates and bounds the length", () => {
    expect(scrubValue("a\nb\u0000c\u2028d")).toBe("a b c d");
    expect(scrubValue("x\ud800y")).toBe("x\ufffdy");
    const long = scrubValue("y".repeat(1_000_000));
    expect(long).toHaveLength(MAX_LABEL_LENGTH);
    expect(scrubValue(`${"word ".repeat(200)}jane@example.com`)).not.toContain("jane");
  });

  it("leaves no fragment of a token cut at the length bound", () => {
    const value = scrubValue(`${"a ".repeat(255)}abcdefghijk@example.com`);
    expect(value).not.toContain("abcdefghijk");
  });
});

interface SensitiveValue {
  category: string;
  detectable: boolean;
  value: string;
  fragments: string[];
}
const corpus = JSON.parse(
  readFileSync(new URL("../fixtures/privacy/sensitive-values.json", import.meta.url), "utf8"),
) as { values: SensitiveValue[] };
const detectable = corpus.values.filter((v) => v.detectable);
const ordinary = JSON.parse(
  readFileSync(new URL("../fixtures/privacy/ordinary-labels.json", import.meta.url), "utf8"),
) as Record<"operations" | "models" | "resources" | "other", string[]>;
const ordinaryLabels = [...ordinary.operations, ...ordinary.models, ...ordinary.resources, ...ordinary.other];

describe("scrubValue over the sensitive-value corpus", () => {
  it(`has several hundred values in many formats (${corpus.values.length} sensitive, ${ordinaryLabels.length} ordinary)`, () => {
    expect(detectable.length).toBeGreaterThanOrEqual(300);
    expect(new Set(detectable.map((v) => v.category.split("+")[0])).size).toBeGreaterThanOrEqual(80);
    expect(ordinaryLabels.length).toBeGreaterThanOrEqual(150);
  });

  it("keeps no fragment of any detectable value, alone or in the contexts names are built in", () => {
    const contexts: [string, string][] = [
      ["", ""],
      ["lookup ", " now"],
      ["GET /users/", "/orders"],
      ["op:", ":done"],
      ["(", ")"],
      ["send_to ", ""],
      ["", " retry=3"],
      [`${"word ".repeat(60)}`, ""],
    ];
    const leaks: string[] = [];
    for (const entry of detectable) {
      for (const [before, after] of contexts) {
        const out = scrubValue(`${before}${entry.value}${after}`);
        for (const fragment of entry.fragments)
          if (out.includes(fragment)) leaks.push(`${entry.category}: ${JSON.stringify(out)} has ${fragment}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it("keeps no fragment of a detectable value, whatever text surrounds it (fast-check)", () => {
    // Operation-name-like context: words, separators a developer would use, and none at all.
    const context = fc.string({
      unit: fc.constantFrom("a", "b", "_", "-", " ", "/", ":", "=", ".", "(", ")"),
      maxLength: 12,
    });
    fc.assert(
      fc.property(fc.constantFrom(...detectable), context, context, (entry, before, after) => {
        // A separator on each side: glued to letters (`xjane@...`) a value is another token.
        const out = scrubValue(`${before} ${entry.value} ${after}`);
        for (const fragment of entry.fragments) expect(out, entry.category).not.toContain(fragment);
      }),
      propertyRuns(3_000),
    );
  });

  it("returns ordinary operation names, model names, routes, resources and versions unchanged", () => {
    const changed = ordinaryLabels
      .map((label) => [label, scrubValue(label)] as const)
      .filter(([label, out]) => out !== label);
    expect(changed).toEqual([]);
  });

  it("is idempotent: a scrubbed value scrubs to itself (wrap() and fetch scrub before the store does)", () => {
    for (const { value } of corpus.values) {
      const once = scrubValue(value);
      expect(scrubValue(once), JSON.stringify(value)).toBe(once);
    }
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (raw) => {
        const once = scrubValue(raw);
        expect(scrubValue(once)).toBe(once);
        expect(once.length).toBeLessThanOrEqual(MAX_LABEL_LENGTH);
        expect(once).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2060\ufeff]/);
      }),
      propertyRuns(2_000),
    );
  });

  it("finds IPv6 after a colon and leaves C++ scopes alone", () => {
    expect(scrubValue("op:2001:db8::1/x")).toBe("op:<ipv6>/x");
    expect(scrubValue("std::vector")).toBe("std::vector");
    expect(scrubValue("mail josé.garcía@correo.es")).toBe("mail <email>");
  });
});
