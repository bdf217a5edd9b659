import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import {
  defaultResource,
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from "@opentelemetry/semantic-conventions";
import type { TelemetryCollectorOptions } from "./collector-options.js";

/**
 * The collector's OpenTelemetry resource: the SDK defaults, then `OTEL_RESOURCE_ATTRIBUTES` and
 * `OTEL_SERVICE_NAME`, then the options given in code (which win). Host and process detectors
 * are deliberately not run: they report host names, command lines and the OS user name, which
 * may identify a person (docs/data-inventory.md).
 */
export function buildResource(options: TelemetryCollectorOptions): Resource {
  const fromCode: Record<string, string | number | boolean> = {};
  const given = options.resourceAttributes;
  // Only a plain object: a string would spread into one attribute per character.
  const attributes = given !== null && typeof given === "object" && !Array.isArray(given) ? given : {};
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      fromCode[key] = value;
  }
  if (options.serviceName !== undefined && String(options.serviceName).trim() !== "") {
    fromCode[ATTR_SERVICE_NAME] = String(options.serviceName);
  }
  if (options.serviceVersion !== undefined) fromCode[ATTR_SERVICE_VERSION] = String(options.serviceVersion);
  // A random instance id per process (the semantic conventions' advice), unless the environment
  // or the code names one: instances pushing OTLP through one Collector must not share series.
  const instance = resourceFromAttributes({ [ATTR_SERVICE_INSTANCE_ID]: randomUUID() });
  return defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: defaultServiceName() }))
    .merge(instance)
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(fromCode));
}

/**
 * `unknown_service:` and the executable's base name (`unknown_service:node`), as the semantic
 * conventions define the default (`process.executable.name`). OpenTelemetry JS appends
 * `process.argv0` instead, which is a full path under a home directory when a version manager
 * starts node (`unknown_service:/home/<user>/.nvm/.../bin/node`, issue 15, finding 14).
 */
function defaultServiceName(): string {
  return `unknown_service:${basename(process.execPath) || "node"}`;
}
