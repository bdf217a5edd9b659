/**
 * Waits for `work` at most `timeoutMs`: resolves `true` when it settled in time (fulfilled or
 * rejected: the rejection is handed to `onError`), `false` when the time ran out. Never rejects,
 * so a shutdown path built on it always finishes. The timer is unref'd.
 */
export async function settleWithin(
  work: Promise<unknown>,
  timeoutMs: number,
  onError: (error: unknown) => void,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
    timer.unref();
  });
  const settled = work.then(
    () => true as const,
    (error: unknown) => {
      onError(error);
      return true as const;
    },
  );
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
