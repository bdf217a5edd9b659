import { isIP } from "node:net";

/**
 * Decides which `Host` headers the endpoint answers (DNS-rebinding defence): a page whose name
 * rebinds to 127.0.0.1 makes the browser send its own name as `Host`, so only names the operator
 * chose pass.
 *
 * - always: `localhost` and the bound address itself;
 * - bound to all interfaces (`0.0.0.0`, `::`): any IP literal (scrapers address pods by IP);
 * - `allowedHosts`: extra names (e.g. a Kubernetes Service name), or `"*"` to turn the check off.
 *
 * A request without `Host` (HTTP/1.0) passes: browsers always send one.
 */
export function createHostCheck(
  boundHost: string,
  allowedHosts: readonly string[] = [],
): (host: string | undefined) => boolean {
  const names = new Set(allowedHosts.map((name) => name.toLowerCase()));
  if (names.has("*")) return () => true;
  const bound = stripBrackets(boundHost.toLowerCase());
  const anyInterface = bound === "0.0.0.0" || bound === "::" || bound === "";
  names.add("localhost");
  names.add(bound);
  return (header) => {
    if (header === undefined || header === "") return true;
    const hostname = hostnameOf(header.toLowerCase());
    if (names.has(hostname)) return true;
    return anyInterface && isIP(hostname) !== 0;
  };
}

/** `example.org:9464` -> `example.org`, `[::1]:9464` -> `::1`. */
function hostnameOf(header: string): string {
  if (header.startsWith("[")) {
    const end = header.indexOf("]");
    return end < 0 ? header : header.slice(1, end);
  }
  const colon = header.indexOf(":");
  // More than one colon without brackets is not a valid Host: keep it whole so it matches nothing.
  if (colon >= 0 && header.indexOf(":", colon + 1) < 0) return header.slice(0, colon);
  return header;
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
