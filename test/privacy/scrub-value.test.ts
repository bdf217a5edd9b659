import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_LABEL_LENGTH, scrubValue } from "../../src/privacy/scrub-value.js";
import { propertyRuns } from "../helpers/property-runs.js";

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

describe("scrubValue over the sensitive-value corpus", () => {
  const corpus = JSON.parse(
    readFileSync(new URL("../fixtures/privacy/sensitive-values.json", import.meta.url), "utf8"),
  ) as { values: { category: string; detectable: boolean; value: string; fragments: string[] }[] };
  const detectable = corpus.values.filter((v) => v.detectable);

  it("keeps no fragment of a detectable value, whatever text surrounds it", () => {
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

  it("finds IPv6 after a colon and leaves C++ scopes alone", () => {
    expect(scrubValue("op:2001:db8::1/x")).toBe("op:<ipv6>/x");
    expect(scrubValue("std::vector")).toBe("std::vector");
    expect(scrubValue("mail josé.garcía@correo.es")).toBe("mail <email>");
  });
});
