import { detachedCopy } from "./detached-copy.js";
import { redactEncodedCandidates } from "./encoded-candidates.js";
import { normalizeFreeText } from "./normalize-free-text.js";
import {
  applyPatterns,
  DATA_PATTERNS,
  redactIpv6,
  redactNumbers,
  TOKEN_PATTERNS,
} from "./redaction-patterns.js";

/**
 * Scrubbing of free-text label values (`operation`, `resource`, span names, model names): the
 * one place every free-text path goes through before anything keeps the value. Runs once per
 * distinct value (the series table and the span-name cache keep the result), so the regexes
 * below are off the hot path (bench/scrub-value-cost.ts).
 *
 * The steps, in order:
 * 1. bound the work: at most 16x the label length of raw input is read (2,048 characters);
 * 2. normalise (src/privacy/normalize-free-text.ts): NFKC, invisible characters removed, control
 *    characters as spaces, percent-encoded runs decoded;
 * 3. cut to a 512-character window (4x the label length, room for placeholders);
 * 4. redact (src/privacy/redaction-patterns.ts): tokens and keys, base64 runs that decode to
 *    personal data, emails, URLs, IBANs, IPs, home paths, national ids, hex ids, digit runs;
 * 5. if the input was cut, drop the token the cut went through (a fragment of an email or a
 *    key is no longer recognisable, so it must not survive as text);
 * 6. cut to the label length, and copy: the result shares no memory with the input
 *    (src/privacy/detached-copy.ts), so a 128-character label never pins a 256 KiB name.
 *
 * What patterns cannot find (a person's name, an address in words) is why free-text labels are
 * meant for names chosen by the developer, and bounded in length and cardinality anyway
 * (docs/data-inventory.md).
 */

/** Longest label value kept, in UTF-16 code units (longer free text is cut: README, "Metric names"). */
export const MAX_LABEL_LENGTH = 128;

// The window patterns run over, as a multiple of the label length, and the raw input read for it.
const WINDOW_FACTOR = 4;
const RAW_FACTOR = 16;
// Tokens longer than this at a cut are kept (cut like any text): no email or key is this long,
// and a one-word name of 256 KiB would otherwise become empty.
const LONGEST_SENSITIVE_TOKEN = 256;
// What ends a token at a cut: whitespace, punctuation no email, key, number or path contains, and
// the `>` of a placeholder.
const LAST_TOKEN_BOUNDARY = /[\s,;|"'<>()[\]{}][^\s,;|"'<>()[\]{}]*$/;

/**
 * Returns `raw` with personal data replaced by placeholders (`<email>`, `<ipv4>`, `<api_key>`, ...),
 * normalised (NFKC, no invisible or control characters), at most `maxLength` UTF-16 units, as
 * a copy that shares no memory with `raw`.
 *
 * @param maxLength longest result, in UTF-16 code units. @default 128 ({@link MAX_LABEL_LENGTH})
 * @example
 * scrubValue("answer for jane@example.com"); // "answer for <email>"
 * scrubValue("GET /users/alice%40example.org/orders"); // "GET /users/<email>/orders"
 */
export function scrubValue(raw: string, maxLength: number = MAX_LABEL_LENGTH): string {
  const windowLength = maxLength * WINDOW_FACTOR;
  const rawLength = maxLength * RAW_FACTOR;
  let cut = raw.length > rawLength;
  let value = normalizeFreeText(cut ? raw.slice(0, rawLength) : raw);
  if (value.length > windowLength) {
    value = value.slice(0, windowLength);
    cut = true;
  }
  value = redact(value, true);
  if (cut) value = dropCutToken(value);
  value = value.trim();
  if (value.length > maxLength) value = value.slice(0, maxLength).toWellFormed().trimEnd();
  return detachedCopy(value);
}

/** The redaction steps over normalised text; `decode` looks into base64 runs (not recursively). */
function redact(text: string, decode: boolean): string {
  let value = redactIpv6(text);
  value = applyPatterns(value, TOKEN_PATTERNS);
  if (decode) {
    value = redactEncodedCandidates(value, (decoded) => {
      const normalized = normalizeFreeText(decoded);
      return redact(normalized, false) !== normalized;
    });
  }
  value = applyPatterns(value, DATA_PATTERNS);
  return redactNumbers(value);
}

/**
 * Drops the trailing token of text whose input was cut: that token was cut too, and a cut email
 * (`alice.martin@exa`) or key escapes its pattern. A placeholder at the end is kept; so is a
 * token too long to be a cut email or key (a one-word name is cut like any text).
 */
function dropCutToken(text: string): string {
  const boundary = LAST_TOKEN_BOUNDARY.exec(text);
  const start = boundary === null ? 0 : boundary.index + 1;
  if (text.length - start > LONGEST_SENSITIVE_TOKEN) return text;
  return text.slice(0, start);
}

/** Longest model or provider name kept (`gen_ai.request.model`, `gen_ai.response.model`). */
export const MAX_MODEL_NAME_LENGTH = 64;

/**
 * A model or provider name as an attribute value: scrubbed like any free text, at most
 * {@link MAX_MODEL_NAME_LENGTH} characters; undefined when not a string or empty after scrubbing.
 * Model ids pass unchanged, release dates included (`gpt-4o-mini-2024-07-18`,
 * `claude-3-5-sonnet-20241022`, `meta-llama/Llama-3.1-8B-Instruct`); a bare date
 * (`19850514`, a birth date), an address, a key or a phone number given as a model name does not.
 *
 * @example
 * scrubModelName("gpt-4o-2024-08-06"); // "gpt-4o-2024-08-06"
 * scrubModelName("19850514"); // "<number>"
 */
export function scrubModelName(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  return scrubValue(value, MAX_MODEL_NAME_LENGTH) || undefined;
}
