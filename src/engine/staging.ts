// Large dropped files reach DuckDB through the origin-private file system (OPFS) instead of FileReaderSync.
//
// DuckDB-WASM reads a file registered as a Blob with FileReaderSync: each read (~31 MiB for the CSV reader's buffer) is
// a new ArrayBuffer in its worker, garbage once copied into the wasm heap, and collected late: the worker sits inside
// one long wasm call. Up to six were alive at once during a 1M-event CSV import (~190 MiB of the tab). A file in OPFS
// is read through a sync access handle straight into the wasm heap, with nothing left behind. So a file above
// STAGE_FROM_BYTES is first copied there (the browser copies it; the bytes never pass through the tab), DuckDB reads the
// copy, and the copy goes when the file is dropped from DuckDB.
//
// Each tab copies into a directory of its own and holds a Web Lock named after it for its whole life: a tab that
// starts removes the directories whose lock is free (tabs closed or crashed mid-import), never another live tab's.
// Anything that fails here (no OPFS, a full disk, a private window without storage) leaves the file to be read as
// before: staging is an optimisation, never a condition.

/** Files below this are read as they are: what they leave behind is small. */
export const STAGE_FROM_BYTES = 8 * 2 ** 20;

const ROOT_DIR = 'driftline-staging';
const LOCK_PREFIX = 'driftline-staging:';

export interface FileStager {
  /** Start copying `file` for `name` now (the next slice of a CSV while this one loads). No wait, no failure. */
  prepare(name: string, file: Blob): void;
  /** The copy of `file` for `name`, made now unless it was prepared; null when the file is to be read as it is. */
  take(name: string, file: Blob): Promise<FileSystemFileHandle | null>;
  /** Remove the copy for `name`, if there is one. */
  release(name: string): Promise<void>;
  /** Bytes copied so far in this tab (what the import measure reports). */
  stagedBytes(): number;
}

interface Staged {
  file: Blob;
  entry: string;
  copy: Promise<FileSystemFileHandle | null>;
}

/** The entry name of `name` in the tab's directory: one path segment, no separators. */
const entryName = (name: string, serial: number) => `${serial}-${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(-120)}`;

async function clearAbandoned(root: FileSystemDirectoryHandle, own: string): Promise<void> {
  const names: string[] = [];
  for await (const [name] of (root as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (name !== own) names.push(name);
  }
  for (const name of names) {
    // Granted only when no live tab holds it: the directory's tab is gone.
    await navigator.locks.request(LOCK_PREFIX + name, { ifAvailable: true }, async (lock) => {
      if (lock) await root.removeEntry(name, { recursive: true }).catch(() => undefined);
    });
  }
}

async function openTabDirectory(): Promise<FileSystemDirectoryHandle | null> {
  try {
    if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory || !navigator.locks) return null;
    const tab = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    // Held until the tab goes: the browser releases it then.
    const held = new Promise<boolean>((resolve) => {
      navigator.locks
        .request(LOCK_PREFIX + tab, { ifAvailable: true }, (lock) => {
          resolve(lock !== null);
          return lock ? new Promise<never>(() => undefined) : undefined;
        })
        .catch(() => resolve(false));
    });
    if (!(await held)) return null;
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(ROOT_DIR, { create: true });
    await clearAbandoned(root, tab);
    return await root.getDirectoryHandle(tab, { create: true });
  } catch {
    return null;
  }
}

export function createFileStager(minBytes = STAGE_FROM_BYTES): FileStager {
  let directory: Promise<FileSystemDirectoryHandle | null> | null = null;
  const staged = new Map<string, Staged>();
  let serial = 0;
  let copiedBytes = 0;
  const tabDirectory = () => (directory ??= openTabDirectory());

  async function copy(entry: string, file: Blob): Promise<FileSystemFileHandle | null> {
    const dir = await tabDirectory();
    if (!dir) return null;
    let handle: FileSystemFileHandle | null = null;
    try {
      handle = await dir.getFileHandle(entry, { create: true });
      const writable = await handle.createWritable();
      try {
        await writable.write(file);
        await writable.close();
      } catch (error) {
        await writable.abort().catch(() => undefined);
        throw error;
      }
      copiedBytes += file.size;
      return handle;
    } catch {
      if (handle) await dir.removeEntry(entry).catch(() => undefined);
      return null;
    }
  }

  async function remove(item: Staged): Promise<void> {
    const handle = await item.copy;
    const dir = await tabDirectory();
    if (handle && dir) await dir.removeEntry(item.entry).catch(() => undefined);
  }

  function start(name: string, file: Blob): Staged {
    const current = staged.get(name);
    if (current?.file === file) return current;
    if (current) void remove(current);
    const item: Staged = { file, entry: entryName(name, ++serial), copy: Promise.resolve(null) };
    item.copy = copy(item.entry, file);
    staged.set(name, item);
    return item;
  }

  return {
    prepare(name, file) {
      if (file.size >= minBytes) start(name, file);
    },
    async take(name, file) {
      if (file.size < minBytes) return null;
      return start(name, file).copy;
    },
    async release(name) {
      const item = staged.get(name);
      if (!item) return;
      staged.delete(name);
      await remove(item);
    },
    stagedBytes: () => copiedBytes,
  };
}
