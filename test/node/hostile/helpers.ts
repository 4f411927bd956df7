// Shared by the hostile-corpus tests: the corpus on disk, an app (store + Node engine + in-process reader) to drop it on,
// and the checks that an export or a report is inert.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { readEvidence } from '../../../src/ingest/reader';
import type { AppServices } from '../../../src/state/actions';
import { createAppStore } from '../../../src/state/store';

export const CORPUS_DIR = path.resolve('test/fixtures/hostile');

/** Every committed case of the corpus (the generator, its types and the README are not cases). */
export function corpusNames(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((name) => !/^generate\.|^README\.md$/.test(name))
    .sort();
}

export const corpusFile = (name: string) => new File([readFileSync(path.join(CORPUS_DIR, name))], name);

export async function startApp(): Promise<{ services: AppServices; engine: DuckEngine; downloads: { name: string; blob: Blob }[] }> {
  const engine = createNodeEngine();
  await engine.start();
  await ensureSchema(engine);
  const downloads: { name: string; blob: Blob }[] = [];
  const services: AppServices = {
    store: createAppStore(),
    engine,
    sampleBaseUrl: 'about:blank',
    fetch: () => Promise.reject(new Error('no network in these tests')),
    reader: readEvidence,
    download: (name, blob) => downloads.push({ name, blob }),
    workspaces: null,
  };
  return { services, engine, downloads };
}

/** RFC 4180 CSV → rows of cells (quoted fields may hold quotes, commas, CR and LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** A cell a spreadsheet would evaluate: it starts with = + - @ tab or CR. */
export const isLiveCell = (cell: string) => /^[=+\-@\t\r]/.test(cell);

/** Markup that would do something in a browser: script elements, on* handler attributes, javascript: in a tag. */
export function activeMarkup(html: string): string[] {
  const found: string[] = [];
  for (const match of html.matchAll(/<script\b[^>]*>/gi)) found.push(match[0]);
  // Escaped evidence has no raw "<", so every <…> here is a real tag.
  for (const match of html.matchAll(/<[a-z][^>]*>/gi)) {
    if (/\son[a-z]+\s*=/i.test(match[0])) found.push(match[0]);
    if (/javascript:/i.test(match[0])) found.push(match[0]);
  }
  return found;
}
