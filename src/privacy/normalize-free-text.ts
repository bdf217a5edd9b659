/**
 * Normalisation of free text before any pattern looks at it, so that the same personal datum
 * written differently is matched once: `jane​.doe＠example.com` (a zero-width space, a fullwidth
 * at sign), `０６１２３４５６７８` (fullwidth digits), `4111 1111` with no-break spaces,
 * `alice%40example.org` (percent-encoded) all read as their plain ASCII form.
 *
 * The normalised text is what the label shows: it is the canonical spelling of what the caller
 * wrote (NFKC folds compatibility forms: `ｇｐｔ` reads `gpt`), so two spellings share a series.
 */

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators: become spaces
// (a newline between two words must not glue them into one token).
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/gu;

// Format characters (`\p{Cf}`: zero-width space, joiners, word joiner, BOM, soft hyphen, bidi
// controls, invisible operators) and variation selectors: invisible, so removed; a zero-width
// space inside an email must not split it into two harmless-looking halves.
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each combining mark (U+034F, the variation selectors) is removed on its own, on purpose.
const INVISIBLE_CHARACTERS = /[\p{Cf}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0]/gu;

// Anything outside printable ASCII: the fast path skips NFKC and the removals without it.
const NON_ASCII_OR_CONTROL = /[^\x20-\x7e]/;

// Runs of percent-encoded bytes (`%40`, `%E2%80%8B`), decoded as UTF-8 when they are valid.
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Returns `text` normalised for matching: lone surrogates repaired, NFKC, invisible characters
 * removed, control characters turned into spaces, digits of every script as ASCII digits, and
 * percent-encoded runs decoded (twice, for `%2540`), the decoded text normalised again.
 */
export function normalizeFreeText(text: string): string {
  let value = normalizeCharacters(text.toWellFormed());
  for (let round = 0; round < 2 && value.includes("%"); round++) {
    const decoded = value.replace(PERCENT_RUN, decodePercentRun);
    if (decoded === value) break;
    value = normalizeCharacters(decoded);
  }
  return value;
}

// Decimal digits of other scripts (Arabic-Indic `٠٦١٢`, Devanagari `०६१२`, Bengali, Thai, ...):
// NFKC leaves them, so a phone number written in them would pass the digit patterns.
const NON_ASCII_DIGIT = /(?![0-9])\p{Nd}/gu;
const DIGIT_CLASS = /\p{Nd}/u;

function normalizeCharacters(text: string): string {
  if (!NON_ASCII_OR_CONTROL.test(text)) return text;
  return text
    .normalize("NFKC")
    .replace(INVISIBLE_CHARACTERS, "")
    .replace(CONTROL_CHARACTERS, " ")
    .replace(NON_ASCII_DIGIT, asciiDigit);
}

/**
 * The ASCII digit of a decimal digit of any script. Unicode encodes each script's digits as a
 * run of 0 to 9 (runs of several scripts may touch, each a multiple of ten long), so the value
 * is the distance to the start of the run, modulo 10.
 */
function asciiDigit(digit: string): string {
  const codePoint = digit.codePointAt(0)!;
  let start = codePoint;
  while (start > 0 && codePoint - start < 100 && DIGIT_CLASS.test(String.fromCodePoint(start - 1))) start--;
  return String((codePoint - start) % 10);
}

function decodePercentRun(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    // Not UTF-8 (`%FF`): left as it is, the patterns see the hex digits.
    return run;
  }
}
