// What the evidence reader (a worker in the tab, in-process in Node) tells the import pipeline, file by file.
// Heavy parsing happens on the reader's side; the pipeline only moves Arrow bytes and small rows into DuckDB.
import type { ChangeWindow, InventoryResult, Platform, ResourceClass, SourceFormat } from './canonical';
import type { EventColumnMapping, TimeFormat } from './csv-events';
import type { InventoryUpdate } from './inventory/json-inventories';

export type EvidenceKind = 'audit_log' | 'inventory' | 'change_windows' | 'resource_classes';

export interface FileInfo {
  container: string;
  kind: EvidenceKind;
  vendor: string;
  sourceFormat: SourceFormat | null;
  notes: string[];
}

/** A CSV whose columns could not be mapped with confidence: the user maps them (and the mapping is remembered). */
export interface MappingRequest {
  headers: string[];
  sample: string[][];
  signature: string;
  /** Best automatic guess, field → column header, with a confidence per field. */
  guess: Partial<Record<keyof EventColumnMapping, { column: string; confidence: number }>>;
  reason: string;
}

/** Where a file's bytes came from: which dropped file, and the zip member path(s) inside it (outermost first). */
export interface FileSource {
  /** Index of the dropped File in the list handed to the reader. */
  index: number;
  /** Zip member paths, as stored in each archive, from the dropped file inwards; empty for the file itself. */
  members: string[];
}

export type ReaderMessage =
  | { type: 'file-start'; fileId: string; name: string; bytes: number; source?: FileSource }
  | { type: 'file-info'; fileId: string; info: FileInfo }
  | { type: 'events'; fileId: string; ipc: Uint8Array; rows: number }
  | { type: 'rejected'; fileId: string; rows: { source_row: number; reason: string }[] }
  | { type: 'inventory'; fileId: string; result: InventoryResult; updates?: InventoryUpdate[] }
  | { type: 'changes'; fileId: string; changes: ChangeWindow[] }
  | { type: 'classes'; fileId: string; classes: ResourceClass[] }
  | {
      type: 'csv-events';
      fileId: string;
      /** UTF-8 bytes DuckDB can read (the original File when no transcoding was needed). */
      blob: Blob;
      delimiter: string;
      headers: string[];
      mapping: EventColumnMapping;
      timeFormat: TimeFormat;
      platform: Platform;
      sourceFormat: SourceFormat;
      /**
       * A large file comes in slices cut at record boundaries, each a Blob of the header line plus its records, so each
       * can be loaded (and committed) on its own: `rowOffset` data records come before the slice.
       */
      slice?: { index: number; rowOffset: number; last: boolean };
      /**
       * false when the reader saw every byte of the slice and no value can begin or end with a space separator: the
       * load then skips trimming (see sliceCsv in reader.ts). Absent or true: values are trimmed.
       */
      spacedEdges?: boolean;
    }
  | { type: 'needs-mapping'; fileId: string; name: string; request: MappingRequest }
  | { type: 'progress'; fileId: string; bytesRead: number; rows: number }
  | { type: 'file-done'; fileId: string; sha256: string; bytes: number }
  | { type: 'file-error'; fileId: string; name: string; message: string };

export interface ReadOptions {
  /** Prefix of the file ids the reader hands out (unique per import: zip members get their own ids). */
  idPrefix: string;
  /** Mappings the user made before, by header signature. */
  mappings: Record<string, EventColumnMapping>;
  /** Events per Arrow batch. */
  batchRows: number;
  /** Event CSVs from this size on are loaded in slices of this size (default 512 MiB / 256 MiB; smaller in tests). */
  csvSlice?: { from: number; bytes: number; rowGroup?: number };
  /** Rows `events` holds before the import (its next rowid): CSV slices are cut so that each ends a row group. */
  eventRowsBefore?: number;
}

/** Produces reader messages for a set of files; cancelling the signal stops it promptly. */
export type EvidenceReader = (files: readonly File[], options: ReadOptions, signal: AbortSignal) => AsyncIterable<ReaderMessage>;
