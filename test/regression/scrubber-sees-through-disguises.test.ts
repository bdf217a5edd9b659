import { describe, expect, it } from "vitest";
import { scrubValue } from "../../src/privacy/scrub-value.js";

/**
 * Issue 15, finding 5: "Scrubber misses: zero-width characters and fullwidth `＠` in emails,
 * `%40`, base64 of an email; cards with no-break spaces or underscores; phones with en-dashes,
 * slashes or fullwidth digits; IPs glued to a word (`client_10.0.0.1`); AWS temporary keys
 * (`ASIA...`) and secret keys, Google `ya29.` tokens, GitLab `glpat-`; `PHPSESSID=`; scheme-less
 * URLs with `access_token=`; uppercase or Windows home paths, `~user/`; UK and Italian national
 * ids; a value over 512 characters cut mid-email; date-like model names (`19850514`) exported raw."
 *
 * Each value below came out of `scrubValue` with the listed fragment in it. The ordinary labels
 * at the end must come out unchanged, so the fix does not destroy names people chart.
 */

const MISSES: readonly (readonly [finding: string, raw: string, fragment: string])[] = [
  ["zero-width characters in an email", "reply to jane\u200b.doe@exa\u200dmple.com", "doe"],
  ["zero-width joiner before the @", "reply to jane.doe\u2060@example.com", "jane"],
  ["fullwidth at sign", "reply to jane.doe＠example.com", "jane"],
  ["fullwidth letters", "reply to ｊａｎｅ．ｄｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ｊａｎｅ"],
  ["percent-encoded at sign", "GET /users/alice.martin%40example.org/orders", "alice.martin"],
  ["doubly percent-encoded at sign", "lookup alice.martin%2540example.org", "alice.martin"],
  ["base64 of an email", "user amFuZS5kb2VAZXhhbXBsZS5jb20=", "amFuZS5kb2VAZXhhbXBsZS5jb20"],
  ["base64url of an email, unpadded", "user_amFuZS5kb2VAZXhhbXBsZS5jb20", "amFuZS5kb2VAZXhhbXBsZS5jb20"],
  ["card with no-break spaces", "card 4111\u00a01111\u00a01111\u00a01111", "1111"],
  ["card with narrow no-break spaces", "card 4111\u202f1111\u202f1111\u202f1111", "1111"],
  ["card with underscores", "card_4111_1111_1111_1111", "1111"],
  ["phone with en-dashes", "call 415\u2013555\u20130132", "555"],
  ["phone with slashes", "call 06/12/34/56/78", "34/56"],
  ["phone in fullwidth digits", "call ０６１２３４５６７８", "３４５６"],
  ["IPv4 glued to a word", "client_10.0.0.1", "10.0.0.1"],
  ["IPv4 glued to letters", "from203.0.113.42", "113.42"],
  ["IPv6 glued to a word", "peer_2001:db8::8a2e:370:7334", "8a2e:370"],
  ["AWS temporary access key", "aws ASIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7"],
  ["AWS secret access key", "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"],
  ["Google OAuth access token", "google ya29.a0AfH6SMBx3kQ9vZt7Lm2Np4Rs8Uw", "a0AfH6SMBx3k"],
  ["GitLab personal access token", "gitlab glpat-xY7zQ2wE9rT4uI1oP3aS", "xY7zQ2wE9rT4"],
  ["PHP session cookie", "cookie PHPSESSID=8f3b2c1d9e7a6f5b4c3d2e1f0a", "8f3b2c1d9e7a"],
  ["Java session cookie", "cookie JSESSIONID=A1B2C3D4E5F6G7H8", "A1B2C3D4E5F6"],
  [
    "scheme-less URL with access_token",
    "callback api.example.com/cb?access_token=Zx9Yw8Vu7Ts6",
    "Zx9Yw8Vu7Ts6",
  ],
  ["query-string secret", "redirect /login?user=x&password=hunter2hunter2", "hunter2hunter2"],
  ["uppercase home path", "read /HOME/JDUPONT/notes.txt", "JDUPONT"],
  ["Windows home path, lower case", "read c:\\users\\akowalski\\cv.docx", "akowalski"],
  ["Windows home path, forward slashes", "read C:/Users/akowalski/cv.docx", "akowalski"],
  ["tilde user path", "read ~jdupont/notes.txt", "jdupont"],
  ["macOS home path glued to a word", "file:/Users/mwilliams/x", "mwilliams"],
  ["UK National Insurance number", "nino AB123456C", "AB123456C"],
  ["UK National Insurance number, spaced", "nino AB 12 34 56 C", "12 34 56"],
  ["Italian codice fiscale", "cf RSSMRA85T10A562S", "RSSMRA85T10A562S"],
  ["Italian codice fiscale, lower case", "cf rssmra85t10a562s", "rssmra85t10a562s"],
  ["a bare date (a birth date)", "19850514", "19850514"],
  ["a dated name before 2015", "born_1985-05-14", "1985-05-14"],
];

describe("scrubValue sees through disguised personal data", () => {
  it.each(MISSES)("%s", (_finding, raw, fragment) => {
    expect(scrubValue(raw)).not.toContain(fragment);
  });

  it("leaves no fragment of an email cut at the 512-character window, whatever precedes it", () => {
    // Zero-width characters, placeholders and separators shrink the text before the cut.
    const email = "alice.martin@example.org";
    for (const prefix of [
      "\u200b".repeat(500),
      "1".repeat(500),
      "a,".repeat(250),
      `${"a".repeat(300)}/${"b".repeat(199)}`,
      "f".repeat(497),
    ]) {
      for (let shift = 0; shift < email.length; shift++) {
        const out = scrubValue(`${prefix.slice(shift)}${email}`);
        for (const fragment of ["alice", "martin", "example"])
          expect(out, JSON.stringify(out)).not.toContain(fragment);
      }
    }
  });

  it("keeps ordinary operation names, model names, routes and versions unchanged", () => {
    for (const label of [
      "chat.completions",
      "gpt-4o-2024-08-06",
      "gpt-4o-mini-2024-07-18",
      "claude-3-5-sonnet-20241022",
      "o1-2024-12-17",
      "anthropic.claude-3-5-sonnet-20240620-v1:0",
      "/users/:id",
      "GET /users/:userId/orders/:orderId",
      "HTTP GET unmatched",
      "v20.11.1",
      "1.2.3",
      "summarize_ticket",
      "text-embedding-3-large",
      "meta-llama/Llama-3.1-8B-Instruct",
      "std::vector",
      "report_2024-08-06",
    ]) {
      expect(scrubValue(label)).toBe(label);
    }
  });
});
