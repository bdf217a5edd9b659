/**
 * Base64 (standard or URL-safe, padded or not) runs that decode to text holding personal data:
 * `amFuZS5kb2VAZXhhbXBsZS5jb20=` is `jane.doe@example.com`. Ordinary identifiers (`chat_completions`,
 * `summarizeTicketHandler`) decode to bytes that are not text, and stay.
 */

// 11 characters or more (8 bytes: `10.0.0.1`, `a@b.io` and longer), `=` padding.
// The lookbehind makes a position inside a short run fail at once (without it, every position
// of a 10-character word would be tried 10 characters deep).
const MIN_RUN = 11;
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{11,}={0,2}/g;
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
    if (decodesToSensitive(run, isSensitive)) return "<encoded>";
    // `/` is a base64 character and a path separator: in `/users/<base64>/orders` the run is
    // the whole path, so each segment is tried on its own too.
    if (!run.includes("/")) return run;
    return run
      .split("/")
      .map((segment) =>
        segment.length >= MIN_RUN &&
        LOWER.test(segment) &&
        UPPER.test(segment) &&
        decodesToSensitive(segment, isSensitive)
          ? "<encoded>"
          : segment,
      )
      .join("/");
  });
}

/** True when `run`, decoded at one of the 4 base64 alignments, is text that `isSensitive` flags. */
function decodesToSensitive(run: string, isSensitive: (decoded: string) => boolean): boolean {
  for (let offset = 0; offset < 4; offset++) {
    const decoded = Buffer.from(run.slice(offset), "base64").toString("utf8");
    if (decoded.length < 5) break;
    const junk = decoded.match(NOT_TEXT)?.length ?? 0;
    // A shifted prefix costs up to 3 junk bytes at the start; more than a fifth is not text.
    if (junk * 5 > decoded.length) continue;
    if (isSensitive(decoded)) return true;
  }
  return false;
}
