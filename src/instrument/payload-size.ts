/**
 * Size in bytes of a request or response payload as it goes on the wire, without keeping it:
 * strings count their UTF-8 bytes, binary data its length, plain objects their JSON encoding.
 * Returns undefined when the size cannot be known without consuming the payload (streams, FormData).
 */
export function payloadSize(payload: unknown): number | undefined {
  if (payload === undefined || payload === null) return 0;
  if (typeof payload === "string") return Buffer.byteLength(payload, "utf8");
  if (payload instanceof ArrayBuffer) return payload.byteLength;
  if (ArrayBuffer.isView(payload)) return payload.byteLength;
  if (payload instanceof URLSearchParams) return Buffer.byteLength(payload.toString(), "utf8");
  if (payload instanceof Blob) return payload.size;
  if (payload instanceof ReadableStream || payload instanceof FormData) return undefined;
  if (typeof payload === "object" && typeof (payload as { pipe?: unknown }).pipe === "function")
    return undefined;
  if (typeof payload === "object" || typeof payload === "number" || typeof payload === "boolean") {
    try {
      const json = JSON.stringify(payload);
      return json === undefined ? undefined : Buffer.byteLength(json, "utf8");
    } catch {
      // Cycles and BigInt: the size is unknown, never an error for the caller.
      return undefined;
    }
  }
  return undefined;
}
