// Module hooks of lazy-parts-child.ts: reports every ES module URL resolved, so the child sees
// ES modules as well as the CommonJS ones in require.cache (the OpenTelemetry 3.x line loads as ESM).
let port;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  port.postMessage(result.url);
  return result;
}
