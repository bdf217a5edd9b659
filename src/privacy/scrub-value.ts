import { isIPv6 } from "node:net";

/**
 * Scrubbing of free-text label values (`operation`, `resource`, span names): personal data is
 * replaced in place by a placeholder, control characters are removed, broken UTF-16 is repaired,
 * and the result is cut to a bounded length. Runs once per distinct value (the store caches the
 * result), so the regexes below are off the hot path.
 */

/** Longest label value kept, in UTF-16 code units (longer free text is cut: README, "Metric names"). */
export const MAX_LABEL_LENGTH = 128;

/** One personal-data pattern and the placeholder that replaces a match. */
interface RedactionPattern {
  readonly placeholder: string;
  readonly pattern: RegExp;
}

// Order matters: specific token formats first, so that an API key is not half-eaten by the
// generic long-digit rule. Every pattern is linear (no nested quantifiers) to stay safe on 1 MB input.
const PATTERNS: readonly RedactionPattern[] = [
  // JSON Web Tokens: three base64url parts, the first two starting with `eyJ` ({" encoded).
  { placeholder: "<jwt>", pattern: /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g },
  // Bearer/Basic credentials in a header-like text.
  { placeholder: "<credential>", pattern: /\b(?:bearer|basic|token)\s+[\w.~+/=-]{8,}/gi },
  // API keys of common providers (OpenAI, Anthropic, AWS, GitHub, Slack, Google, Stripe, generic).
  {
    placeholder: "<api_key>",
    pattern:
      /\b(?:sk-(?:ant-|proj-)?[\w-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,}|xox[abposr]-[\w-]{10,}|AIza[\w-]{30,}|[rsp]k_(?:live|test)_\w{16,}|hf_[A-Za-z0-9]{30,})/g,
  },
  // Letters of any script: `josé.garcía@correo.es` must not leave `josé.garcí` behind.
  { placeholder: "<email>", pattern: /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu },
  // URLs keep their scheme and host out: the path may hold ids and query strings secrets.
  { placeholder: "<url>", pattern: /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi },
  // IBAN: country code, check digits, 11 to 30 alphanumerics (spaces allowed in groups of 4).
  { placeholder: "<iban>", pattern: /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b/g },
  { placeholder: "<ipv4>", pattern: /\b(?:\d{1,3}\.){3}\d{1,3}\b/g },
  // Home directories name their user.
  { placeholder: "<path>", pattern: /(?:\/(?:home|Users)\/|[A-Za-z]:\\Users\\)[^\s/\\]+/g },
  // UUIDs and long hex strings identify users or sessions.
  { placeholder: "<id>", pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi },
  { placeholder: "<id>", pattern: /\b[0-9a-f]{24,}\b/gi },
  // Card numbers, phone numbers and other long digit runs (ids), with the usual separators.
  { placeholder: "<number>", pattern: /\+?\(?\d(?:[ ().-]{0,2}\d){6,}/g },
];

// IPv6 candidates (hex, colons, an optional embedded IPv4), confirmed by node:net so that
// `std::vector` or `a:b:c` stay as they are. A candidate starts and ends at a word boundary, so
// `op:2001:db8::1` yields `2001:db8::1` (not `:2001:db8::1`, which node:net refuses) and
// `std::vector` yields nothing (not `d::`, which node:net accepts).
const IPV6_CANDIDATE = /(?<![\w.])[0-9a-f.]*:[0-9a-f.]*:[0-9a-f:.]*(?![\w])/gi;

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Returns `raw` with personal data replaced by placeholders (`<email>`, `<ipv4>`, `<api_key>`, ...),
 * control characters removed, lone surrogates repaired, and at most {@link MAX_LABEL_LENGTH} units.
 *
 * @example
 * scrubValue("answer for jane@example.com"); // "answer for <email>"
 */
export function scrubValue(raw: string, maxLength: number = MAX_LABEL_LENGTH): string {
  // Cut long input first (with margin for placeholders) so a 1 MB string costs no more than a short one.
  let value = raw;
  if (raw.length > maxLength * 4) {
    // The cut may split a token: drop the partial last word so no fragment of an email or key
    // survives (unless the whole text is one word, which is then cut like any other).
    value = raw.slice(0, maxLength * 4);
    const lastSpace = value.search(/\s\S*$/);
    if (lastSpace > 0) value = value.slice(0, lastSpace);
  }
  value = value.toWellFormed().replace(CONTROL_CHARACTERS, " ");
  if (value.includes(":")) {
    value = value.replace(IPV6_CANDIDATE, (match) =>
      isIPv6(match.replace(/^\.+|\.+$/g, "")) ? "<ipv6>" : match,
    );
  }
  for (const { placeholder, pattern } of PATTERNS) {
    pattern.lastIndex = 0;
    if (pattern.test(value)) {
      pattern.lastIndex = 0;
      value = value.replace(pattern, placeholder);
    }
  }
  value = value.trim();
  if (value.length > maxLength) {
    value = value.slice(0, maxLength).toWellFormed();
  }
  return value;
}
