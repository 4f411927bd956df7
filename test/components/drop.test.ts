// A dropped folder becomes its files, with their paths inside the folder, read in batches as Chromium hands them out.
import { describe, expect, it } from 'vitest';
import { filesFromDataTransfer } from '../../src/ui/drop';

type Entry = {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
  file?: (ok: (f: File) => void) => void;
  createReader?: () => { readEntries: (ok: (e: Entry[]) => void) => void };
};

const fileEntry = (fullPath: string, text: string): Entry => ({
  isFile: true,
  isDirectory: false,
  name: fullPath.split('/').pop()!,
  fullPath,
  file: (ok) => ok(new File([text], fullPath.split('/').pop()!)),
});

function dirEntry(fullPath: string, children: Entry[], batch = 2): Entry {
  return {
    isFile: false,
    isDirectory: true,
    name: fullPath.split('/').pop()!,
    fullPath,
    createReader: () => {
      let offset = 0;
      // Like Chromium: at most `batch` entries per call, then an empty batch at the end.
      return { readEntries: (ok) => ok(children.slice(offset, (offset += batch))) };
    },
  };
}

describe('filesFromDataTransfer', () => {
  it('walks dropped folders (all batches, nested) and keeps loose files', async () => {
    const folder = dirEntry('/export', [
      fileEntry('/export/a.json', 'a'),
      fileEntry('/export/b.json.gz', 'b'),
      dirEntry('/export/2026/03', [fileEntry('/export/2026/03/c.json', 'c')]),
    ]);
    const loose = new File(['x'], 'register.csv');
    const transfer = {
      items: [
        { kind: 'file', webkitGetAsEntry: () => folder, getAsFile: () => null },
        { kind: 'file', webkitGetAsEntry: () => null, getAsFile: () => loose },
        { kind: 'string', webkitGetAsEntry: () => null, getAsFile: () => null },
      ],
      files: [],
    } as unknown as DataTransfer;
    const files = await filesFromDataTransfer(transfer);
    expect(files.map((f) => f.name)).toEqual(['register.csv', 'export/a.json', 'export/b.json.gz', 'export/2026/03/c.json']);
    expect(await files[3]!.text()).toBe('c');
  });
});
