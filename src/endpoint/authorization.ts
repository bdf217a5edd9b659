import { createHash, timingSafeEqual } from "node:crypto";

/** User name and password that `Authorization: Basic` must carry (RFC 7617). */
export interface BasicAuthCredentials {
  readonly username: string;
  readonly password: string;
}

/** What requests must present: a bearer token, Basic credentials, or either. */
export interface AuthorizationOptions {
  readonly bearerToken?: string | undefined;
  readonly basicAuth?: BasicAuthCredentials | undefined;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * Digests of the credentials a request may present, as `scheme credentials` with the scheme in
 * lower case. Empty secrets are refused: an endpoint asked to require a secret must not open
 * for an empty one (the collector reports the error and serves nothing).
 */
export function expectedCredentials(options: AuthorizationOptions): Buffer[] {
  const digests: Buffer[] = [];
  if (options.bearerToken !== undefined) {
    if (typeof options.bearerToken !== "string" || options.bearerToken === "") {
      throw new TypeError("zoran-telemetrie: prometheus.bearerToken must be a non-empty string");
    }
    digests.push(sha256(`bearer ${options.bearerToken}`));
  }
  if (options.basicAuth !== undefined) {
    const { username, password } = options.basicAuth;
    if (typeof username !== "string" || typeof password !== "string" || password === "") {
      throw new TypeError(
        "zoran-telemetrie: prometheus.basicAuth needs a string username and a non-empty password",
      );
    }
    if (username.includes(":")) {
      throw new TypeError("zoran-telemetrie: prometheus.basicAuth username cannot contain ':' (RFC 7617)");
    }
    digests.push(sha256(`basic ${username}:${password}`));
  }
  return digests;
}

/** The `WWW-Authenticate` challenge of a 401 for these options. */
export function authenticationChallenge(options: AuthorizationOptions): string {
  return [
    ...(options.bearerToken === undefined ? [] : ['Bearer realm="zoran-telemetrie"']),
    ...(options.basicAuth === undefined ? [] : ['Basic realm="zoran-telemetrie", charset="UTF-8"']),
  ].join(", ");
}

/**
 * True when the `Authorization` header carries one of the expected credentials. The scheme is
 * matched case-insensitively (RFC 9110 §11.1); Basic credentials are compared decoded, so any
 * valid base64 spelling works. Digests of equal length are compared in constant time, and every
 * expected credential is compared, so neither the secret's length nor content nor which scheme
 * is configured changes how long a rejection takes.
 */
export function authorized(header: string | undefined, expected: readonly Buffer[]): boolean {
  if (header === undefined) return false;
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(header);
  let presented = "";
  if (match !== null) {
    const scheme = match[1]!.toLowerCase();
    const value = scheme === "basic" ? Buffer.from(match[2]!, "base64").toString("utf8") : match[2]!;
    presented = `${scheme} ${value}`;
  }
  const digest = sha256(presented);
  let ok = false;
  for (const candidate of expected) ok = timingSafeEqual(digest, candidate) || ok;
  return ok;
}
