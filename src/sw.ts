// Driftline's service worker: after one visit the app starts with the server gone. It precaches the built app (both
// DuckDB wasm bundles included) and answers the app's own GET requests from that cache.
//
// Why not Workbox's precache: it caches `response.clone()` and never reads the original. Chromium's tee then buffers the
// whole unread branch in the renderer (the service worker runs in the tab's process) until that worker's V8 collects
// it, which an idle service worker does not do: ~50–90 MiB of the tab's peak memory on a first visit went to the two
// wasm bundles held that way. Here each response's body goes once, straight into Cache Storage.
//
// Only same-origin GETs are answered; nothing else is fetched or cached. The build step (vite-plugin-pwa's
// injectManifest) replaces `self.__WB_MANIFEST` with the list of built files and their revisions.

interface PrecacheEntry {
  url: string;
  revision: string | null;
}
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  readonly location: Location;
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  __WB_MANIFEST: PrecacheEntry[];
}

const scope = self as unknown as WorkerScope;
const MANIFEST: PrecacheEntry[] = (self as unknown as WorkerScope).__WB_MANIFEST;
const PREFIX = 'driftline-app-';
/** Caches of earlier builds of this app (Workbox's, before this worker existed) that activation deletes. */
const OWN_CACHES = [PREFIX, 'workbox-precache'];

/** FNV-1a over the manifest: a build with any file changed gets a cache of its own. */
function manifestHash(entries: readonly PrecacheEntry[]): string {
  let hash = 0x811c9dc5;
  for (const ch of JSON.stringify(entries)) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

const CACHE = `${PREFIX}${manifestHash(MANIFEST)}`;
const urlOf = (entry: PrecacheEntry) => new URL(entry.url, scope.registration.scope).href;
const PRECACHED = new Set(MANIFEST.map(urlOf));

async function precache(): Promise<void> {
  const cache = await caches.open(CACHE);
  const earlier = await Promise.all(
    (await caches.keys()).filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.open(name)),
  );
  for (const entry of MANIFEST) {
    const url = urlOf(entry);
    // Already here: an install interrupted earlier got this far.
    if (await cache.match(url)) continue;
    // A file named by its content hash (no revision) is the same file in an earlier build's cache: no download.
    if (entry.revision === null) {
      let reused = false;
      for (const old of earlier) {
        const hit = await old.match(url);
        if (hit) {
          await cache.put(url, hit);
          reused = true;
          break;
        }
      }
      if (reused) continue;
    }
    const response = await fetch(new Request(url, { cache: 'reload', credentials: 'same-origin' }));
    // A failed install leaves the previous worker (and its cache) in charge; the next visit tries again.
    if (!response.ok) throw new Error(`Precaching ${url} failed: HTTP ${response.status}`);
    await cache.put(url, response);
  }
}

scope.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => scope.skipWaiting()));
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== CACHE && OWN_CACHES.some((prefix) => name.startsWith(prefix))) await caches.delete(name);
      }
      // The page of the first visit is taken over at once, so it keeps working offline without a second load.
      await scope.clients.claim();
    })(),
  );
});

/** `url`: the request's, without its fragment. */
async function answer(request: Request, url: URL): Promise<Response> {
  const cache = await caches.open(CACHE);
  const hit = (await cache.match(url.href)) ?? (url.pathname.endsWith('/') ? await cache.match(new URL('index.html', url).href) : undefined);
  if (hit) return hit;
  // Any page of the app is the app (hash routes, or a query string).
  if (request.mode === 'navigate') {
    const shell = await cache.match(new URL('index.html', scope.registration.scope).href);
    if (shell) return shell;
  }
  return fetch(request);
}

scope.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.location.origin) return;
  url.hash = '';
  // Files the build did not list (none today) go to the network as usual.
  if (!PRECACHED.has(url.href) && request.mode !== 'navigate' && !url.pathname.endsWith('/')) return;
  event.respondWith(answer(request, url));
});

// A module to TypeScript (its own scope); the build emits it as a classic script.
export {};
