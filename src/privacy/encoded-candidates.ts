/**
 * Base64 (standard or URL-safe, padded or not) runs that decode to text holding personal data:
 * `amFuZS5kb2VAZXhhbXBsZS5jb20=` is `jane.doe@example.com`. Ordinary identifiers (`chat_completions`,
 * `summarizeTicketHandler`) decode to bytes that are not text, and stay.
 */

// 16 characters or more (12 bytes: the shortest email worth finding is longer), `=` padding.
// The lookbehind makes a position inside a short run fail at once (without it, every position
// of a 15-character word is tried 15 characters deep).
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
// Base64 of text has letters of both cases almost always; snake_case names and routes do not.
const LOWER = /[a-z]/;
const UPPER = /[A-Z]/;
// Decoded bytes that are not text: replacement characters (invalid UTF-8) and control characters.
const NOT_TEXT = /[\ufffd\p{Cc}]/gu;

/**
 * Replaces by `<encoded>` every base64 run of `text` whose decoding is text that `isSensitive`
 * flags. The run is tried at offsets 0 to 3, as a prefix glued to it (`user_amFu...`) shifts the
 * 4-character alignment of base64.
 */
export function redactEncodedCandidates(text: string, isSensitive: (decoded: string) => boolean): string {
  BASE64_RUN.lastIndex = 0;
  if (!BASE64_RUN.test(text)) return text;
  BASE64_RUN.lastIndex = 0;
  return text.replace(BASE64_RUN, (run) => {
    if (!LOWER.test(run) || !UPPER.test(run)) return run;
    for (let offset = 0; offset < 4; offset++) {
      const decoded = Buffer.from(run.slice(offset), "base64").toString("utf8");
      if (decoded.length < 6) break;
      const junk = decoded.match(NOT_TEXT)?.length ?? 0;
      // A shifted prefix costs up to 3 junk bytes at the start; more than a fifth is not text.
      if (junk * 5 > decoded.length) continue;
      if (isSensitive(decoded)) return "<encoded>";
    }
    return run;
  });
}
