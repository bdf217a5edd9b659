import { describeError } from "../../privacy/describe-error.js";
import { NotifierError } from "../alert-state.js";

/**
 * POSTs a JSON body and throws a {@link NotifierError} unless the answer is 2xx. Network errors,
 * timeouts, 408, 429 and 5xx are retryable; other answers are not.
 */
export async function postJson(
  url: string,
  body: unknown,
  options: { signal: AbortSignal; headers?: Readonly<Record<string, string>> },
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body: JSON.stringify(body),
      signal: options.signal,
    });
  } catch (error) {
    // Described without its message: fetch's quotes the whole URL, secret path included.
    throw new NotifierError(`POST ${redact(url)} failed: ${describeError(error)}`, {
      retryable: true,
      cause: error,
    });
  }
  // Drain the body so the connection can be reused.
  const text = await response.text().catch(() => "");
  if (response.ok) return;
  const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
  throw new NotifierError(`POST ${redact(url)} answered ${response.status}: ${text.slice(0, 200)}`, {
    retryable,
  });
}

/** Webhook URLs often carry a secret in the path (Slack): show the host only. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/...`;
  } catch {
    return "(invalid URL)";
  }
}
