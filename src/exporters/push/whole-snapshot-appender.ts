import { type FileHandle, open, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Options of a {@link WholeSnapshotAppender}. */
export interface WholeSnapshotAppenderOptions {
  /**
   * Keep the committed size in a hidden commit file beside the log (snapshots of many lines,
   * CSV). Without it (one snapshot per line, JSON Lines) a partial last line is all a crash can
   * leave, and it is cut on open. @default true
   */
  readonly commitFile?: boolean;
}

/**
 * Appends whole snapshots to an append-only file (JSON Lines, CSV), so that a snapshot is in the
 * file whole or not at all, even when the process is killed in the middle of a write.
 *
 * A CSV snapshot is many lines, so cutting a partial last line (what JSON Lines does, one snapshot
 * per line) leaves the first rows of a killed snapshot behind for good (issue 15 item 8: 8 of 8
 * SIGKILLs mid-write). Instead the appender keeps, beside the file, the size it had after the last
 * whole snapshot: the commit file `.<name>.committed`, written to a temporary file and renamed
 * over the old one after each append (a rename is atomic). On open, anything past the committed
 * size is an interrupted snapshot and is cut off, before anything else is appended.
 *
 * - One `write(2)` per snapshot on a file opened with `O_APPEND`; a short or failed write (disk
 *   full) is cut back at once and reported.
 * - Killed after the write but before the commit: the snapshot is whole but not committed, and is
 *   cut at the next open (whole or not at all). Nothing is lost for good: snapshots are cumulative.
 * - The commit records the file's inode, so a commit file left from a rotated or replaced file is
 *   not applied to another one; with no usable commit file (first run, a file written by an older
 *   version) a partial last line is cut, as JSON Lines does.
 * - It protects against the process dying, not against power loss (nothing is fsync'ed).
 *
 * The commit file is hidden (leading dot) so that globs like `metrics*.csv` never read it.
 */
export class WholeSnapshotAppender {
  readonly #path: string;
  readonly #commitPath: string;
  #handle: FileHandle | undefined;
  #size = 0;
  #ino = 0;

  readonly #commitFile: boolean;

  /** @param path file to append to; created when missing. */
  constructor(path: string, options: WholeSnapshotAppenderOptions = {}) {
    this.#path = path;
    this.#commitFile = options.commitFile ?? true;
    this.#commitPath = join(dirname(path), `.${basename(path)}.committed`);
  }

  /** Bytes in the file as this appender last saw it. */
  get size(): number {
    return this.#size;
  }

  /** Where the committed size is kept. */
  get commitPath(): string {
    return this.#commitPath;
  }

  /** Opens the file (cutting an interrupted snapshot) and returns its committed size in bytes. */
  async open(): Promise<number> {
    await this.#open();
    return this.#size;
  }

  /** Appends one whole snapshot. Rejects, leaving the file as it was, when it cannot be written whole. */
  async append(text: string): Promise<void> {
    const handle = await this.#open();
    const bytes = Buffer.from(text, "utf8");
    const before = this.#size;
    try {
      const { bytesWritten } = await handle.write(bytes, 0, bytes.length);
      if (bytesWritten !== bytes.length)
        throw new Error(`short write: ${bytesWritten} of ${bytes.length} bytes`);
      await this.#commit(before + bytes.length);
      this.#size = before + bytes.length;
    } catch (error) {
      // Undo a partial or uncommitted snapshot; on a device (/dev/full) truncate fails: nothing to cut.
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
      this.#ino = stat.ino;
      if (!stat.isFile()) {
        this.#size = 0; // a device such as /dev/full: nothing to recover or commit
      } else {
        const committed = this.#commitFile ? await this.#readCommit() : undefined;
        let size: number;
        if (committed !== undefined && committed.ino === stat.ino && committed.size <= stat.size) {
          size = committed.size;
          if (size !== stat.size) await handle.truncate(size);
        } else {
          size = await cutPartialLastLine(handle, stat.size);
        }
        if (this.#commitFile && (committed?.ino !== stat.ino || committed.size !== size))
          await this.#commit(size);
        this.#size = size;
      }
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.#handle = handle;
    return handle;
  }

  async #readCommit(): Promise<{ size: number; ino: number } | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.#commitPath, "utf8")) as {
        size?: unknown;
        ino?: unknown;
      };
      if (typeof parsed.size === "number" && parsed.size >= 0 && typeof parsed.ino === "number") {
        return { size: parsed.size, ino: parsed.ino };
      }
    } catch {
      // Missing or unreadable: fall back to cutting a partial last line.
    }
    return undefined;
  }

  async #commit(size: number): Promise<void> {
    if (!this.#commitFile) return;
    // The pid in the name: a second process appending to the same path must not rename ours.
    const temporary = `${this.#commitPath}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ size, ino: this.#ino }));
    await rename(temporary, this.#commitPath);
  }
}

/** Cuts the file after its last newline; returns the new size. */
async function cutPartialLastLine(handle: FileHandle, size: number): Promise<number> {
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
