import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WholeSnapshotAppender } from "../../../src/exporters/push/whole-snapshot-appender.js";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "zoran-whole-snapshot-"));
  path = join(dir, "metrics.csv");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const snapshot = (n: number) => `h\r\na${n},1\r\nb${n},2\r\n`;

describe("WholeSnapshotAppender", () => {
  it("appends snapshots and commits the size after each, in a hidden file beside it", async () => {
    const appender = new WholeSnapshotAppender(path);
    await appender.append(snapshot(1));
    await appender.append(snapshot(2));
    await appender.close();
    expect(readFileSync(path, "utf8")).toBe(snapshot(1) + snapshot(2));
    expect(appender.commitPath).toBe(join(dir, ".metrics.csv.committed"));
    expect(JSON.parse(readFileSync(appender.commitPath, "utf8")).size).toBe(
      Buffer.byteLength(snapshot(1) + snapshot(2)),
    );
  });

  it("cuts whole lines of an interrupted snapshot past the committed size when it opens", async () => {
    const first = new WholeSnapshotAppender(path);
    await first.append(snapshot(1));
    await first.close();
    appendFileSync(path, "h\r\na2,1\r\n"); // a snapshot cut after its first row: every line whole
    const second = new WholeSnapshotAppender(path);
    expect(await second.open()).toBe(Buffer.byteLength(snapshot(1)));
    await second.append(snapshot(3));
    await second.close();
    expect(readFileSync(path, "utf8")).toBe(snapshot(1) + snapshot(3));
  });

  it("without a usable commit file (first run, older version), cuts a partial last line only", async () => {
    writeFileSync(path, `${snapshot(1)}a2,`);
    const appender = new WholeSnapshotAppender(path);
    expect(await appender.open()).toBe(Buffer.byteLength(snapshot(1)));
    await appender.close();
    expect(readFileSync(path, "utf8")).toBe(snapshot(1));
  });

  it("does not apply a commit of another file (rotated away) to a new one", async () => {
    const appender = new WholeSnapshotAppender(path);
    await appender.append(snapshot(1) + snapshot(2));
    await appender.close();
    renameSync(path, `${path}.1`);
    writeFileSync(path, snapshot(3)); // same name, another inode, shorter than the old commit
    expect(await appender.open()).toBe(Buffer.byteLength(snapshot(3)));
    await appender.close();
    expect(readFileSync(path, "utf8")).toBe(snapshot(3));
    expect(readFileSync(`${path}.1`, "utf8")).toBe(snapshot(1) + snapshot(2));
  });

  it("cuts the snapshot back when its commit cannot be written, and rejects", async () => {
    const appender = new WholeSnapshotAppender(path);
    await appender.append(snapshot(1));
    // A directory where the commit file goes: renaming the new commit over it fails.
    rmSync(appender.commitPath);
    mkdirSync(appender.commitPath);
    await expect(appender.append(snapshot(2))).rejects.toThrow();
    await appender.close();
    expect(readFileSync(path, "utf8")).toBe(snapshot(1));
  });
});
