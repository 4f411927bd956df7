// Issue #8, items 2 and 4, kept true by reading the source: evidence never reaches the DOM as markup, no link is built from
// evidence, and no SQL literal is quoted by hand outside src/engine/sql.ts (the one quoting helper).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|tsx)$/.test(name) ? [full] : [];
  });
}

/** "file:line: text" for every line of `files` matching `pattern`. */
function find(files: string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${path.relative(process.cwd(), file)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

const UI = sources(path.resolve('src/ui'));
const ALL = sources(path.resolve('src'));

describe('source audit', () => {
  it('finds the files it audits', () => {
    expect(UI.length).toBeGreaterThan(10);
    expect(ALL.length).toBeGreaterThan(UI.length);
  });

  it('puts no markup string into the DOM anywhere in the app', () => {
    expect(find(ALL, /dangerouslySetInnerHTML|\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write\(/)).toEqual([]);
  });

  it('builds links only to its own views (no href/src from evidence, no window.open)', () => {
    const links = find(UI, /\b(href|src|action|formAction)=\{|window\.open\(|location\.href\s*=/);
    // The only dynamic link: the navigation's fixed view ids.
    expect(links.map((l) => l.replace(/^[^:]+:\d+: /, ''))).toEqual(['href={`#/${id}`}']);
  });

  it('quotes SQL only through src/engine/sql.ts: no literal or identifier quoted by hand around an interpolation', () => {
    // '${…}' or "${…}" on a line that builds SQL. Allowed: constants of the code itself (`d`, one of two date formats in
    // csv-events.ts; DATA_WRITE, a fixed regular expression in detections/catalog/behavior.ts).
    const handQuoted = find(
      ALL.filter((f) => !f.endsWith(path.join('engine', 'sql.ts')) && !f.endsWith(path.join('report', 'csv.ts'))),
      /'\$\{(?!(d|DATA_WRITE)\})|"\$\{/,
    ).filter((l) => /\b(SELECT|FROM|WHERE|INSERT|UPDATE|DELETE|CREATE|JOIN|queryRows|exec)\b/.test(l));
    expect(handQuoted).toEqual([]);
  });
});
