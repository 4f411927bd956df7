// Text the analyst is still typing (a triage note) is kept too: saved a moment after typing stops and flushed at once
// when the page is hidden or closed. Drafts live in localStorage because it is synchronous: a write from `pagehide`
// completes before the page goes, which an IndexedDB transaction started there does not promise.

const DEBOUNCE_MS = 400;
const pending = new Map<string, { value: string; timer: ReturnType<typeof setTimeout> }>();

const keyOf = (workspaceId: string, id: string) => `driftline.draft:${workspaceId}:${id}`;

function write(key: string, value: string): void {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // Storage refused (private mode, full): the draft lasts as long as the tab.
  }
}

/** Remember a draft (debounced). An empty value forgets it. */
export function saveDraft(workspaceId: string, id: string, value: string): void {
  const key = keyOf(workspaceId, id);
  const previous = pending.get(key);
  if (previous) clearTimeout(previous.timer);
  const timer = setTimeout(() => {
    pending.delete(key);
    write(key, value);
  }, DEBOUNCE_MS);
  pending.set(key, { value, timer });
}

export function loadDraft(workspaceId: string, id: string): string {
  const key = keyOf(workspaceId, id);
  const unsaved = pending.get(key);
  if (unsaved) return unsaved.value;
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

/** Write every pending draft now (on pagehide, when the tab is hidden). */
export function flushDrafts(): void {
  for (const [key, { value, timer }] of pending) {
    clearTimeout(timer);
    write(key, value);
  }
  pending.clear();
}
