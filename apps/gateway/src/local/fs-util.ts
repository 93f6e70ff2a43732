import { randomBytes } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import { link, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

function tempPath(path: string): string {
  return join(dirname(path), `.${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
}

/** Replaces `path` atomically (temp file + rename): readers see the old or the new content. */
export async function writeJsonAtomic(path: string, value: unknown, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = tempPath(path);
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  await rename(tmp, path);
}

/**
 * Creates `path` atomically and only if it does not exist (temp file + hard link, which
 * fails with EEXIST): with several writers, exactly one wins. Returns false when it existed.
 */
export async function writeJsonExclusive(path: string, value: unknown, mode = 0o600): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = tempPath(path);
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  try {
    await link(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Reads and JSON-parses a file; undefined when it does not exist. */
export async function readJsonIfExists(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}

/**
 * Calls `onChange` when something in `dir` may have changed: fs.watch for speed, plus a
 * poll because fs.watch misses events on some filesystems (network mounts, containers).
 */
export function watchDirectory(
  dir: string,
  onChange: (filename: string | undefined) => void,
  pollMs = 250,
): () => void {
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, filename) => onChange(filename ?? undefined));
    watcher.on("error", () => {
      // The poll below keeps working when the watcher dies (directory removed, too many watchers).
      watcher?.close();
      watcher = undefined;
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOSPC" && code !== "EMFILE") throw error;
  }
  const timer = setInterval(() => onChange(undefined), pollMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    watcher?.close();
  };
}
