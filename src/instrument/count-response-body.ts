/**
 * The same response with a body that counts its bytes as the caller reads them, reporting the
 * total once when the body ends, fails or is cancelled. Reads are passed through one by one
 * (no read-ahead), so backpressure and cancellation behave as on the original body.
 */
export function countResponseBody(response: Response, report: (bytes: number) => void): Response {
  const body = response.body;
  // Only statuses a Response can be constructed with, with a body, are wrapped.
  if (body === null || response.status < 200 || response.status > 599) {
    if (body === null) report(0);
    return response;
  }
  const reader = body.getReader();
  let bytes = 0;
  let reported = false;
  const done = () => {
    if (reported) return;
    reported = true;
    report(bytes);
  };
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          done();
          controller.close();
          return;
        }
        bytes += chunk.value.byteLength;
        controller.enqueue(chunk.value);
      } catch (error) {
        done();
        controller.error(error);
      }
    },
    async cancel(reason) {
      done();
      await reader.cancel(reason);
    },
  });
  const wrapped = new Response(counted, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // A constructed Response has an empty `url` and type "default": keep what the caller would have seen.
  Object.defineProperties(wrapped, {
    url: { value: response.url },
    redirected: { value: response.redirected },
    type: { value: response.type },
  });
  return wrapped;
}
