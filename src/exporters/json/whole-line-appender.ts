import { type FileHandle, open } from "node:fs/promises";

/**
 * Appends whole lines to a file, so that a reader never sees half a record.
 *
 * - Each `append()` is one `write(2)` on a file opened with `O_APPEND`.
 * - A short or failed write (disk full) is cut back to the previous size, then reported.
 * - A crash in the middle of a write (power loss) can still leave a partial last line: it is
 *   cut off the next time the file is opened, before anything else is appended.
 */
export class WholeLineAppender {
  readonly #path: string;
  #handle: FileHandle | undefined;
  #size = 0;

  /** @param path file to append to; created when missing. */
  constructor(path: string) {
    this.#path = path;
  }

  /** Bytes in the file as this appender last saw it. */
  get size(): number {
    return this.#size;
  }

  /** Opens the file (cutting a partial last line) and returns its size in bytes. */
  async open(): Promise<number> {
    await this.#open();
    return this.#size;
  }

  /** Appends `text`, which must end with a newline. Rejects (and leaves the file whole) on failure. */
  async append(text: string): Promise<void> {
    const handle = await this.#open();
    const bytes = Buffer.from(text, "utf8");
    const before = this.#size;
    try {
      const { bytesWritten } = await handle.write(bytes, 0, bytes.length);
      if (bytesWritten !== bytes.length)
        throw new Error(`short write: ${bytesWritten} of ${bytes.length} bytes`);
      this.#size = before + bytes.length;
    } catch (error) {
      // Undo a partial line; on a device (/dev/full) there is nothing to cut and truncate fails.
      await handle.truncate(before).catch(() => undefined);
      throw error;
    }
  }

  /** Closes the file; the next `append()` reopens it (after a rotation, for instance). */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle) return this.#handle;
    const handle = await open(this.#path, "a+");
    try {
      const stat = await handle.stat();
      this.#size = stat.isFile() ? await cutPartialLastLine(handle, stat.size) : 0;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.#handle = handle;
    return handle;
  }
}

/** Cuts the file after its last newline; returns the new size. */
export async function cutPartialLastLine(handle: FileHandle, size: number): Promise<number> {
  if (size === 0) return 0;
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) {
      const keep = start + at + 1;
      if (keep !== size) await handle.truncate(keep);
      return keep;
    }
    end = start;
  }
  await handle.truncate(0);
  return 0;
}
