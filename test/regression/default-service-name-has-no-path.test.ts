import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * Issue 15, finding 14: "The default `service.name` can carry a home path
 * (`unknown_service:/home/<user>/.nvm/bin/node`)."
 *
 * OpenTelemetry's default is `unknown_service:` + `process.argv0`, which is the full path when
 * node is started by a version manager. The semantic conventions ask for `unknown_service:` +
 * `process.executable.name`, the executable's base name.
 */

const HOME_ARGV0 = "/home/jdupont/.nvm/versions/node/v20.19.0/bin/node";

function targetInfo(env: Record<string, string>, serviceName?: string): string {
  const { OTEL_SERVICE_NAME: _name, OTEL_RESOURCE_ATTRIBUTES: _attributes, ...inherited } = process.env;
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      new URL("./default-service-name-child.ts", import.meta.url).pathname,
      ...(serviceName === undefined ? [] : [serviceName]),
    ],
    { argv0: HOME_ARGV0, encoding: "utf8", env: { ...inherited, ...env }, timeout: 30_000 },
  );
  if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
  return child.stdout.trim();
}

describe("default service.name", () => {
  it("is unknown_service: and the executable's base name, never a path", () => {
    const line = targetInfo({});
    expect(line).toContain('service_name="unknown_service:node"');
    expect(line).not.toContain("jdupont");
    expect(line).not.toContain("/");
  });

  it("still gives way to OTEL_SERVICE_NAME and to serviceName in code", () => {
    expect(targetInfo({ OTEL_SERVICE_NAME: "billing" })).toContain('service_name="billing"');
    expect(targetInfo({ OTEL_RESOURCE_ATTRIBUTES: "service.name=ledger" })).toContain(
      'service_name="ledger"',
    );
    expect(targetInfo({ OTEL_SERVICE_NAME: "billing" }, "checkout")).toContain('service_name="checkout"');
  });
});
