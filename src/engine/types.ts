// The engine contract: the only way the rest of Driftline talks to DuckDB.
// Implementations: a DuckDB-WASM worker in the browser, the blocking wasm build in Node (tests, bench).
import type { Table } from 'apache-arrow';
import type { UiValue } from './values';

export type EngineStatus = 'idle' | 'starting' | 'ready' | 'error';

export interface EngineInfo {
  /** DuckDB library version, e.g. "v1.4.3". */
  version: string;
  /** Which wasm build runs: "eh" or "mvp" (browser), "node-eh"/"node-mvp" (tests). */
  bundle: string;
  /** Milliseconds from start() to a connection that answered its first statement. */
  startMs: number;
}

export interface EngineMemory {
  /** Bytes DuckDB's buffer manager holds (sum over duckdb_memory()). */
  usedBytes: number;
  /** DuckDB's memory_limit setting in bytes. */
  limitBytes: number;
  /** Bytes spilled to temporary storage, if any. */
  temporaryBytes: number;
  /**
   * Size of DuckDB-WASM's linear memory (null where it cannot be read). It grows with DuckDB's peak working memory (reader
   * buffers, sorts, uncommitted rows) and never shrinks, so it is what the engine really takes in the tab, high-water
   * mark included; usedBytes is only what the buffer manager holds now.
   */
  heapBytes: number | null;
}

export interface QueryOptions {
  /** Aborting rejects with an AbortError and interrupts the running statement. */
  signal?: AbortSignal;
}

export interface ColumnInfo {
  name: string;
  /** Arrow type as text, e.g. "Utf8", "Timestamp<MICROSECOND>". */
  type: string;
}

export interface RowsResult {
  columns: ColumnInfo[];
  rows: Record<string, UiValue>[];
}

export interface ArrowInsertOptions {
  /** Target table name (quoted by the engine). */
  table: string;
  /** Create the table from the IPC schema (true) or append to an existing one (false). */
  create: boolean;
}

/** Statements on a connection of their own (see Engine.session). */
export interface EngineSession {
  query(sql: string, options?: QueryOptions): Promise<Table>;
  queryRows(sql: string, options?: QueryOptions): Promise<RowsResult>;
  exec(sql: string, options?: QueryOptions): Promise<void>;
  insertArrowIPC(ipc: Uint8Array, options: ArrowInsertOptions): Promise<void>;
  /** Disconnect; an open transaction is rolled back. */
  close(): Promise<void>;
}

export interface Engine {
  readonly status: EngineStatus;
  start(): Promise<EngineInfo>;
  /** Make a dropped file readable by SQL under `name` without copying it into memory where the platform allows. */
  registerFile(name: string, file: Blob): Promise<void>;
  /**
   * A file that will be registered under `name` soon (the next slice of a CSV): where files are copied before DuckDB
   * reads them, the copy starts now. Optional, never fails.
   */
  prepareFile?(name: string, file: Blob): void;
  /** Unregister a file (and remove its copy, if one was made, even for a file only prepared). */
  dropFile(name: string): Promise<void>;
  /** Bytes of dropped files copied for DuckDB so far (0 where none are). */
  stagedBytes?(): number;
  /** Run one or more statements and return the last result as Arrow. */
  query(sql: string, options?: QueryOptions): Promise<Table>;
  /** Like query, converted to UI values through the single conversion module. */
  queryRows(sql: string, options?: QueryOptions): Promise<RowsResult>;
  /**
   * The result as the Arrow IPC stream DuckDB produces, handed to `onPart` piece by piece as it is fetched (schema,
   * record batches, end-of-stream marker): for copying data out as it is, without ever holding it whole. Each part is
   * the caller's own (its buffer may be transferred). The whole result is read in one turn of the engine's queue; a
   * caller that must pace a large read splits it into several queries.
   */
  streamIpc(sql: string, onPart: (part: Uint8Array) => void, options?: QueryOptions): Promise<void>;
  /** Run statements for their effect. */
  exec(sql: string, options?: QueryOptions): Promise<void>;
  /** Insert an Arrow IPC stream (schema + record batches). */
  insertArrowIPC(ipc: Uint8Array, options: ArrowInsertOptions): Promise<void>;
  memory(): Promise<EngineMemory>;
  /**
   * EngineMemory.heapBytes alone, without a query: it does not wait behind the engine's queue (in the tab, only for the
   * statement running now). Absent on engines that cannot tell.
   */
  heapBytes?(): Promise<number | null>;
  /** Another connection to the same database, with its own transaction state (imports commit through one). */
  session(): Promise<EngineSession>;
  /** Throw the whole instance away (worker terminated) and start a fresh one: the only way wasm memory is returned. */
  reset(): Promise<EngineInfo>;
  close(): Promise<void>;
  /** Called when the status changes (starting, ready, error) with the error when there is one. */
  onStatus(listener: (status: EngineStatus, error?: Error) => void): () => void;
}

/** The Arrow IPC stream's end marker: continuation, then a zero-length message. */
export const IPC_END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** Raised when a query is cancelled through its AbortSignal. */
export class QueryCancelledError extends Error {
  constructor(message = 'Query cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

/** Raised for every pending operation when the engine worker dies. */
export class EngineCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineCrashedError';
  }
}
