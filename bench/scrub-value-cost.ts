// Cost of one scrubValue() call on 128-character values (it runs once per distinct raw value:
// the series table caches the result). Plain loop timing, median of 15 rounds, run alone:
//   node --import tsx bench/scrub-value-cost.ts
// Not part of `npm run bench` (no competitor does this work); figures go in the PR note.
import { scrubValue } from "../src/privacy/scrub-value.js";

const pad = (text: string) => (text + "_".repeat(128)).slice(0, 128);
const CASES: Record<string, string> = {
  "ordinary label (nothing to redact)": pad(
    "GET /api/v2/users/:userId/orders/:orderId summarize_ticket chat.completions gpt-4o-2024-08-06",
  ),
  "one email": pad("send reply to jane.doe+ai@example.com for ticket summarize_ticket chat.completions now"),
  "phone, card and ip": pad("call +33 6 12 34 56 78 card 4111 1111 1111 1111 from 203.0.113.42 retry"),
  "long no-separator word": "x".repeat(128),
  // What a cardinality attack costs per call once the raw-value cache is full.
  "short distinct name (session-NNNNNN)": "session-123456",
};

const ROUNDS = 15;
const CALLS = 20_000;
for (const [name, value] of Object.entries(CASES)) {
  // Distinct string objects (same text) so nothing downstream could cache by identity.
  const inputs = Array.from({ length: 64 }, (_, i) =>
    value.length < 128 ? `${value}${i}` : `${value.slice(0, 127)}${String.fromCharCode(97 + (i % 26))}`,
  );
  for (let i = 0; i < CALLS; i++) scrubValue(inputs[i & 63]!); // warm-up
  const perCallNs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const begin = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) scrubValue(inputs[i & 63]!);
    perCallNs.push(Number(process.hrtime.bigint() - begin) / CALLS);
  }
  perCallNs.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(36)} median ${(perCallNs[ROUNDS >> 1]! / 1000).toFixed(2)} us/call (min ${(perCallNs[0]! / 1000).toFixed(2)})`,
  );
}
