// src/sw.ts in a stand-in service worker scope: what it precaches, how (each body once into Cache Storage, never a
// clone left unread), what it reuses from an earlier build, and which requests it answers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const SCOPE = 'https://app.test/';

type Listener = (event: { waitUntil(p: Promise<unknown>): void; request?: Request; respondWith?(r: Promise<Response>): void }) => void;

/** Cache Storage kept as bytes; every match is a fresh Response, as the real one is. */
class FakeCache {
  entries = new Map<string, { body: Uint8Array; type: string }>();
  async match(key: string): Promise<Response | undefined> {
    const hit = this.entries.get(key);
    return hit ? new Response(hit.body.slice(), { headers: { 'content-type': hit.type } }) : undefined;
  }
  async put(key: string, response: Response): Promise<void> {
    if (response.bodyUsed) throw new TypeError('body already used');
    this.entries.set(key, { body: new Uint8Array(await response.arrayBuffer()), type: response.headers.get('content-type') ?? '' });
  }
}

class FakeCaches {
  stores = new Map<string, FakeCache>();
  async open(name: string) {
    let cache = this.stores.get(name);
    if (!cache) this.stores.set(name, (cache = new FakeCache()));
    return cache;
  }
  async keys() {
    return [...this.stores.keys()];
  }
  async delete(name: string) {
    return this.stores.delete(name);
  }
}

interface Setup {
  listeners: Map<string, Listener>;
  caches: FakeCaches;
  fetched: string[];
  cloned: number;
  claimed: number;
  skipped: number;
}

const MANIFEST = [
  { url: 'index.html', revision: 'r1' },
  { url: 'assets/duckdb-eh-abc.wasm', revision: null },
  { url: 'assets/index-xyz.js', revision: null },
  { url: 'sample/events.csv', revision: 'r2' },
];

async function loadWorker(options: { status?: (url: string) => number; caches?: FakeCaches } = {}): Promise<Setup> {
  const setup: Setup = { listeners: new Map(), caches: options.caches ?? new FakeCaches(), fetched: [], cloned: 0, claimed: 0, skipped: 0 };
  const scope = {
    location: new URL(`${SCOPE}sw.js`),
    registration: { scope: SCOPE },
    clients: { claim: async () => void setup.claimed++ },
    skipWaiting: async () => void setup.skipped++,
    addEventListener: (type: string, listener: Listener) => setup.listeners.set(type, listener),
    __WB_MANIFEST: MANIFEST,
  };
  vi.stubGlobal('self', scope);
  vi.stubGlobal('caches', setup.caches);
  vi.stubGlobal('fetch', async (input: Request | string) => {
    const url = typeof input === 'string' ? input : input.url;
    setup.fetched.push(url);
    const status = options.status?.(url) ?? 200;
    const response = new Response(status === 200 ? `bytes of ${url}` : 'missing', { status, headers: { 'content-type': url.endsWith('.wasm') ? 'application/wasm' : 'text/plain' } });
    const clone = response.clone.bind(response);
    response.clone = () => {
      setup.cloned++;
      return clone();
    };
    return response;
  });
  vi.resetModules();
  await import('../../src/sw');
  return setup;
}

async function fire(setup: Setup, type: 'install' | 'activate'): Promise<void> {
  const pending: Promise<unknown>[] = [];
  setup.listeners.get(type)!({ waitUntil: (p) => void pending.push(p) });
  await Promise.all(pending);
}

/** What the worker does with a request: the response it answers with, or null when it lets the browser go on. */
async function request(setup: Setup, url: string, init: { method?: string; navigate?: boolean } = {}): Promise<Response | null> {
  let answered: Promise<Response> | null = null;
  const req = new Request(url, { method: init.method ?? 'GET' });
  if (init.navigate) Object.defineProperty(req, 'mode', { value: 'navigate' });
  setup.listeners.get('fetch')!({ request: req, waitUntil: () => undefined, respondWith: (r) => void (answered = r) });
  return answered ? await answered : null;
}

const onlyCache = (setup: Setup) => {
  const names = [...setup.caches.stores.keys()].filter((n) => n.startsWith('driftline-app-'));
  expect(names).toHaveLength(1);
  return setup.caches.stores.get(names[0]!)!;
};

describe('service worker', () => {
  beforeEach(() => vi.unstubAllGlobals());
  afterEach(() => vi.unstubAllGlobals());

  it('precaches every built file once, straight into Cache Storage, with no clone left unread', async () => {
    const setup = await loadWorker();
    await fire(setup, 'install');
    expect(setup.fetched).toEqual(MANIFEST.map((e) => new URL(e.url, SCOPE).href));
    expect(setup.cloned).toBe(0);
    const cache = onlyCache(setup);
    expect([...cache.entries.keys()]).toEqual(MANIFEST.map((e) => new URL(e.url, SCOPE).href));
    expect(new TextDecoder().decode(cache.entries.get(`${SCOPE}assets/duckdb-eh-abc.wasm`)!.body)).toBe(`bytes of ${SCOPE}assets/duckdb-eh-abc.wasm`);
    expect(cache.entries.get(`${SCOPE}assets/duckdb-eh-abc.wasm`)!.type).toBe('application/wasm');
    expect(setup.skipped).toBe(1);
  });

  it('fails the install on a file the server does not have, so the previous worker stays in charge', async () => {
    const setup = await loadWorker({ status: (url) => (url.endsWith('.js') ? 404 : 200) });
    await expect(fire(setup, 'install')).rejects.toThrow(/assets\/index-xyz\.js failed: HTTP 404/);
    expect(setup.skipped).toBe(0);
  });

  it('takes content-hashed files from an earlier build instead of downloading them; revisioned ones are fetched again', async () => {
    const caches = new FakeCaches();
    const old = await caches.open('driftline-app-00000000');
    await old.put(`${SCOPE}assets/duckdb-eh-abc.wasm`, new Response('old wasm', { headers: { 'content-type': 'application/wasm' } }));
    await old.put(`${SCOPE}index.html`, new Response('old page'));
    await (await caches.open('workbox-precache-v2-https://app.test/')).put(`${SCOPE}x`, new Response('x'));
    await (await caches.open('someone-else')).put(`${SCOPE}y`, new Response('y'));
    const setup = await loadWorker({ caches });
    await fire(setup, 'install');
    expect(setup.fetched).toEqual([`${SCOPE}index.html`, `${SCOPE}assets/index-xyz.js`, `${SCOPE}sample/events.csv`]);
    const names = [...caches.stores.keys()];
    const current = names.find((n) => n.startsWith('driftline-app-') && n !== 'driftline-app-00000000')!;
    expect(new TextDecoder().decode(caches.stores.get(current)!.entries.get(`${SCOPE}assets/duckdb-eh-abc.wasm`)!.body)).toBe('old wasm');
    expect(new TextDecoder().decode(caches.stores.get(current)!.entries.get(`${SCOPE}index.html`)!.body)).toBe(`bytes of ${SCOPE}index.html`);

    await fire(setup, 'activate');
    // Earlier builds' caches (ours and Workbox's) go; other caches of the origin are not ours to delete.
    expect([...caches.stores.keys()].sort()).toEqual([current, 'someone-else'].sort());
    expect(setup.claimed).toBe(1);
  });

  it('answers its own files from the cache, any page of the app with the app, and leaves everything else alone', async () => {
    const setup = await loadWorker();
    await fire(setup, 'install');
    setup.fetched.length = 0;
    const wasm = await request(setup, `${SCOPE}assets/duckdb-eh-abc.wasm`);
    expect(await wasm!.text()).toBe(`bytes of ${SCOPE}assets/duckdb-eh-abc.wasm`);
    expect(wasm!.headers.get('content-type')).toBe('application/wasm');
    expect(await (await request(setup, SCOPE, { navigate: true }))!.text()).toBe(`bytes of ${SCOPE}index.html`);
    expect(await (await request(setup, `${SCOPE}?demo=1#/findings`, { navigate: true }))!.text()).toBe(`bytes of ${SCOPE}index.html`);
    expect(setup.fetched).toEqual([]);
    expect(await request(setup, 'https://elsewhere.test/assets/duckdb-eh-abc.wasm')).toBeNull();
    expect(await request(setup, `${SCOPE}assets/duckdb-eh-abc.wasm`, { method: 'POST' })).toBeNull();
    expect(await request(setup, `${SCOPE}not-built.json`)).toBeNull();
  });

  it('goes to the network for a listed file missing from its cache', async () => {
    const setup = await loadWorker();
    await fire(setup, 'install');
    onlyCache(setup).entries.delete(`${SCOPE}assets/index-xyz.js`);
    setup.fetched.length = 0;
    const response = await request(setup, `${SCOPE}assets/index-xyz.js`);
    expect(await response!.text()).toBe(`bytes of ${SCOPE}assets/index-xyz.js`);
    expect(setup.fetched).toEqual([`${SCOPE}assets/index-xyz.js`]);
  });
});
