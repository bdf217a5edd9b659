import { isIPv6 } from "node:net";

/**
 * The personal-data and secret patterns of {@link scrubValue}, in the order they run, and the
 * placeholders that replace a match. Every pattern is linear (no nested quantifiers: safe on
 * the 512-character window the scrubber gives them). Identifiers glued to a word
 * (`client_10.0.0.1`, `aws_AKIA...`) are found: boundaries are "no letter or digit on that
 * side", not `\b` (for which `_` is a letter).
 */

/** One pattern and what replaces a match (a placeholder, or a function deciding per match). */
export interface RedactionPattern {
  readonly name: string;
  readonly pattern: RegExp;
  readonly replacement: string | ((match: string, ...groups: string[]) => string);
  /**
   * What a text must contain for the pattern to match at all: a cheap test that skips the pattern
   * (an email needs an `@`); saves most of the cost on ordinary labels (bench/scrub-value-cost.ts).
   */
  readonly requires?: string | RegExp;
}

/** Placeholders a redaction leaves: stable, so scrubbing a scrubbed value changes nothing. */
export const PLACEHOLDERS = [
  "<jwt>",
  "<credential>",
  "<api_key>",
  "<encoded>",
  "<email>",
  "<url>",
  "<iban>",
  "<ipv4>",
  "<ipv6>",
  "<path>",
  "<national_id>",
  "<id>",
  "<number>",
] as const;

const hasUpperLowerDigit = (text: string) => /[A-Z]/.test(text) && /[a-z]/.test(text) && /\d/.test(text);
const isAwsSecretShape = (text: string) => (text.match(/\//g)?.length ?? 0) <= 2;

/**
 * Tokens and credentials: run first, so that a key is not half-eaten by the generic rules below
 * (a JWT segment decoded as base64, an API key's digits taken for a phone number).
 */
export const TOKEN_PATTERNS: readonly RedactionPattern[] = [
  // JSON Web Tokens: three base64url parts, the first two starting with `eyJ` ({" encoded).
  { name: "jwt", requires: "eyJ", replacement: "<jwt>", pattern: /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g },
  // Bearer/Basic credentials in a header-like text.
  {
    name: "credential",
    replacement: "<credential>",
    pattern: /(?<![A-Za-z0-9])(?:bearer|basic|token)\s+[\w.~+/=-]{8,}/gi,
  },
  // `key=value` secrets of query strings and cookies (`access_token=`, `PHPSESSID=`,
  // `X-Amz-Signature=`): the key stays, so the label still says what was there.
  {
    name: "secret parameter",
    requires: "=",
    replacement: "$1=<credential>",
    pattern:
      /(?<![A-Za-z0-9])(access_token|refresh_token|id_token|auth_token|client_secret|api[_-]?key|token|secret|password|passwd|pwd|sig|signature|phpsessid|jsessionid|sessionid|session_id|sid|x-amz-signature|x-amz-credential|x-amz-security-token)=[^\s&;,'"<>]+/gi,
  },
  // API keys of common providers: OpenAI and Anthropic (`sk-`), AWS access keys (long-term
  // `AKIA`, temporary `ASIA`, and the other unique-id prefixes), GitHub, GitLab (`glpat-`),
  // Slack, Google API keys (`AIza`) and OAuth access tokens (`ya29.`), Stripe, Hugging Face, npm.
  {
    name: "api key",
    replacement: "<api_key>",
    pattern:
      /(?<![A-Za-z0-9])(?:sk-(?:ant-|proj-)?[\w-]{16,}|(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abposr]-[\w-]{10,}|AIza[\w-]{30,}|ya29\.[\w-]{20,}|[rsp]k_(?:live|test)_\w{16,}|hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36})/g,
  },
  // AWS secret access keys: 40 characters of base64 (letters of both cases and digits, `/`, `+`),
  // between separators (a `/` too: a key in a path). At most two `/`, so that a 40-character
  // stretch of a route (`api/v2/UserProfiles/...`) is not taken for one.
  {
    name: "aws secret key",
    requires: /\d/,
    replacement: (match) => (hasUpperLowerDigit(match) && isAwsSecretShape(match) ? "<api_key>" : match),
    pattern: /(?<![A-Za-z0-9+=])[A-Za-z0-9][A-Za-z0-9/+]{38}[A-Za-z0-9+](?![A-Za-z0-9+=])/g,
  },
];

/** Contact data, addresses, paths and ids, after tokens and encoded candidates. */
export const DATA_PATTERNS: readonly RedactionPattern[] = [
  // Letters of any script, with their combining marks (Devanagari vowel signs are marks):
  // `josé.garcía@correo.es` must not leave `josé.garcí` behind, nor `राम@` its vowel. A match
  // starts where a run of address characters starts: linear on a long word, not quadratic.
  {
    name: "email",
    requires: "@",
    replacement: "<email>",
    pattern:
      /(?<![\p{L}\p{M}\p{N}._%+-])[\p{L}\p{M}\p{N}._%+-]+@[\p{L}\p{M}\p{N}-]+(?:\.[\p{L}\p{M}\p{N}-]+)+/gu,
  },
  // URLs keep their scheme and host out: the path may hold ids and query strings secrets.
  { name: "url", requires: "://", replacement: "<url>", pattern: /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi },
  // IBAN: country code, check digits, 11 to 30 alphanumerics (spaces allowed in groups of 4).
  {
    name: "iban",
    requires: /\d\d/,
    replacement: "<iban>",
    pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g,
  },
  // IPv4, glued to a word or not; a `v`-prefixed four-part version (`v1.0.0.0`) is not one.
  {
    name: "ipv4",
    requires: ".",
    replacement: "<ipv4>",
    pattern: /(?<![\d.])(?<!(?<!\p{L})[vV])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)/gu,
  },
  // Home directories name their user: `/home/jane`, `/HOME/JANE`, `/Users/jane`, `C:\Users\jane`,
  // `c:/users/jane`. Route templates stay (`/users/:id`, `/users/{id}`): lower-case `/users/` is
  // a home only after a drive letter, as routes use it too.
  {
    name: "home path",
    replacement: "<path>",
    pattern:
      /(?:[\\/](?:[Hh][Oo][Mm][Ee]|Users|USERS)|(?<![A-Za-z])[A-Za-z]:[\\/]+[Uu][Ss][Ee][Rr][Ss])[\\/]+(?![:{*<[])[^\s/\\]+/g,
  },
  // `~jane/notes.txt`: a user's home by name (`~/` alone names no one).
  {
    name: "tilde path",
    requires: "~",
    replacement: "<path>",
    pattern: /(?<![\w~])~[A-Za-z_][\w.-]*(?=[\\/]|\s|$)/g,
  },
  // UK National Insurance number: two prefix letters, six digits, a suffix A-D; spaces allowed
  // between the pairs. Any two letters: HMRC's own example prefix `QQ` is not a valid one, and
  // missing a number matters more than redacting a look-alike.
  {
    name: "uk nino",
    requires: /\d\d/,
    replacement: "<national_id>",
    pattern: /(?<![A-Za-z0-9])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/gi,
  },
  // Italian codice fiscale: 6 letters, 2 digits, a month letter, 2 digits, a letter, 3 digits, a
  // check letter; digits may be letters LMNPQRSTUV (omocodia). With at least one digit, so a
  // 16-letter word is not taken for one.
  {
    name: "it codice fiscale",
    requires: /\d/,
    replacement: (match) => (/\d/.test(match) ? "<national_id>" : match),
    pattern:
      /(?<![A-Za-z0-9])[A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z](?![A-Za-z0-9])/gi,
  },
  // UUIDs and long hex strings identify users or sessions.
  {
    name: "uuid",
    requires: "-",
    replacement: "<id>",
    pattern: /(?<![0-9A-Za-z])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9A-Za-z])/gi,
  },
  {
    name: "hex id",
    requires: /\d/,
    replacement: "<id>",
    pattern: /(?<![0-9A-Za-z])[0-9a-f]{24,}(?![0-9A-Za-z])/gi,
  },
];

/** Runs `patterns` over `text` in order; a pattern that does not match costs one `test()`. */
export function applyPatterns(text: string, patterns: readonly RedactionPattern[]): string {
  let value = text;
  for (const { pattern, replacement, requires } of patterns) {
    if (
      requires !== undefined &&
      !(typeof requires === "string" ? value.includes(requires) : requires.test(value))
    )
      continue;
    pattern.lastIndex = 0;
    if (pattern.test(value)) {
      pattern.lastIndex = 0;
      value =
        typeof replacement === "string"
          ? value.replace(pattern, replacement)
          : value.replace(pattern, replacement as (match: string) => string);
    }
  }
  return value;
}

// IPv6 candidates (hex, colons, an optional embedded IPv4), confirmed by node:net so that
// `std::vector` or `a:b:c` stay as they are. A candidate starts after no hex digit or dot and ends
// at a word boundary, so `peer_2001:db8::1` yields `2001:db8::1`, `op:2001:db8::1` yields
// `:2001:db8::1` (tried without its colon too), and `std::vector` yields nothing (not `d::`,
// which node:net accepts).
const IPV6_CANDIDATE = /(?<![0-9a-f.])[0-9a-f.]*:[0-9a-f.]*:[0-9a-f:.]*(?![\w])/gi;

/** Replaces IPv6 addresses by `<ipv6>`. */
export function redactIpv6(text: string): string {
  if (!text.includes(":")) return text;
  return text.replace(IPV6_CANDIDATE, (match) => {
    if (isIPv6(match.replace(/^\.+|\.+$/g, ""))) return "<ipv6>";
    // `op:2001:db8::1`: the candidate took the colon that ends `op`.
    if (/^:[^:]/.test(match) && isIPv6(match.slice(1).replace(/\.+$/, ""))) return ":<ipv6>";
    return match;
  });
}

// Card numbers, phone numbers and other long digit runs (ids), with the usual separators:
// spaces (no-break spaces are spaces after NFKC), brackets, dots, slashes, underscores, hyphens
// and the Unicode dashes (`‐ ‑ ‒ – — ― −`).
const DIGIT_RUN = /\+?\(?\d(?:[ ()./_\-\u2010-\u2015\u2212]{0,2}\d){6,}/g;

// A release date at the end of a model name (`gpt-4o-2024-08-06`, `claude-3-5-sonnet-20241022`,
// `o1-2024-12-17`): years 2010-2039, glued to a name containing a letter, after at most a short
// version number (`1-` of `o1-`). Such a digit run is kept; a bare date or a date of the last
// century (`19850514`, a birth date) is not. Known gap: a birth date after 2010 glued to a name
// (`jane-2012-03-04`) passes.
const RELEASE_DATE_AT_END = /(?:^|[-_.])(20[1-3]\d)([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])$/;
const MAX_VERSION_DIGITS = 3;
// How far back the name before a date is read (`anthropic.claude-3-5-sonnet-` is 28 characters).
const NAME_LOOKBACK = 64;
const LETTER = /\p{L}/u;
const NAME_END = /[\p{L}\-_.@]/u;
const SPACE = /\s/;
const NON_DIGITS = /\D/g;

/** Replaces long digit runs (cards, phones, ids) by `<number>`, release dates of model names excepted. */
export function redactNumbers(text: string): string {
  DIGIT_RUN.lastIndex = 0;
  if (!DIGIT_RUN.test(text)) return text;
  return text.replace(DIGIT_RUN, (run: string, offset: number) => {
    const date = RELEASE_DATE_AT_END.exec(run);
    if (date === null) return "<number>";
    // The date proper starts after its separator; what comes before it is a version number.
    const dateStart = date.index + (run[date.index] === date[1]![0] ? 0 : 1);
    const version = run.slice(0, dateStart);
    if (version.replace(NON_DIGITS, "").length > MAX_VERSION_DIGITS || /^[+(]/.test(version))
      return "<number>";
    return isNameBefore(text, offset + dateStart) ? run : "<number>";
  });
}

/** True when the word that ends at `end` in `text` holds a letter and ends with one or with `-_.@`. */
function isNameBefore(text: string, end: number): boolean {
  const last = text[end - 1];
  if (last === undefined || !NAME_END.test(last)) return false;
  for (let i = end - 1; i >= 0 && i >= end - NAME_LOOKBACK; i--) {
    const c = text[i]!;
    if (SPACE.test(c)) return false;
    if (LETTER.test(c)) return true;
  }
  return false;
}
