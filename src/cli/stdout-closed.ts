/**
 * Aborts once standard output's reader has gone (`zoran-telemetrie demo | head` after `head`
 * exits): Node ignores SIGPIPE and reports EPIPE on the next write instead, which would crash the
 * process with a stack trace. The CLI stops quietly then, as a Unix tool killed by SIGPIPE does.
 */
const controller = new AbortController();
let installed = false;

/** The signal that aborts when stdout is closed by its reader; installs the EPIPE listener once. */
export function stdoutClosed(): AbortSignal {
  if (!installed) {
    installed = true;
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") {
        controller.abort();
        return;
      }
      process.stderr.write(`zoran-telemetrie: cannot write to standard output: ${error.message}\n`);
      process.exitCode = 1;
    });
  }
  return controller.signal;
}

/** Writes to stdout unless its reader has gone (then the text is dropped). */
export function writeOut(text: string): void {
  if (stdoutClosed().aborted) return;
  process.stdout.write(text);
}
