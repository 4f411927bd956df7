// Knowing when a worker dies. A dedicated worker that closes itself, is killed or runs out of memory fires no event on
// its Worker object, so whoever waits for its next message waits forever. Instead the worker takes a Web Lock under a
// name we give it and never lets go; the browser releases the lock when the worker's global scope is gone, and our own
// request for the same lock is granted exactly then.

/** The worker side: hold `name` until this worker ends. Resolves once the lock is held. */
export function holdLifeLock(name: string | undefined): Promise<void> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!name || !locks) return Promise.resolve();
  return new Promise<void>((held) => {
    void locks
      .request(name, () => {
        held();
        return new Promise<never>(() => undefined);
      })
      .catch(() => held());
  });
}

export interface WorkerLife {
  /** The lock name to hand to the worker. */
  readonly name: string;
  /** Once the worker holds the lock: call `onDeath` when it is released (unless stop() was called first). */
  watch(onDeath: () => void): void;
  /** We end the worker ourselves from here on: its death is no news. */
  stop(): void;
}

export function watchWorkerLife(kind: string): WorkerLife {
  const name = `driftline:worker-life:${kind}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  const abort = new AbortController();
  let stopped = false;
  return {
    name,
    watch(onDeath) {
      if (!locks || stopped) return;
      void locks
        .request(name, { signal: abort.signal }, () => {
          if (!stopped) onDeath();
        })
        .catch(() => undefined);
    },
    stop() {
      stopped = true;
      abort.abort();
    },
  };
}

/** Wait until a lock of this name is held by someone (the worker we started), polling the lock manager. */
export async function whenLockHeld(name: string, timeoutMs = 30_000): Promise<boolean> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return false;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const state = await locks.query();
    if (state.held?.some((lock) => lock.name === name)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
