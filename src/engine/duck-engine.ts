// One Engine implementation over DuckDB-WASM bindings, whichever side of a worker boundary they live on.
// Queries run through DuckDB's pending-query API so that an AbortSignal can interrupt them between polls.
import { tableFromIPC, type Table } from 'apache-arrow';
import type { FileStager } from './staging';
import { quoteIdent, quoteLiteral } from './sql';
import {
  EngineCrashedError,
  IPC_END_OF_STREAM,
  QueryCancelledError,
  type ArrowInsertOptions,
  type Engine,
  type EngineInfo,
  type EngineMemory,
  type EngineSession,
  type EngineStatus,
  type QueryOptions,
  type RowsResult,
} from './types';
import { tableToRows } from './values';

type MaybePromise<T> = T | Promise<T>;

/** The subset of DuckDB-WASM's bindings the engine needs; sync (Node blocking build) or async (worker proxy). */
export interface BindingsLike {
  getVersion(): MaybePromise<string>;
  startPendingQuery(conn: number, text: string, allowStreamResult?: boolean): MaybePromise<Uint8Array | null>;
  pollPendingQuery(conn: number): MaybePromise<Uint8Array | null>;
  cancelPendingQuery(conn: number): MaybePromise<boolean>;
  fetchQueryResults(conn: number): MaybePromise<Uint8Array | null>;
  insertArrowFromIPCStream(conn: number, buffer: Uint8Array, options?: { name: string; create: boolean }): MaybePromise<void>;
  dropFile(name: string): MaybePromise<unknown>;
}

/** The catalog every connection works in: an in-memory database that stores its tables compressed (see boot()). */
export const WORKSPACE_CATALOG = 'driftline';

/** What differs between the browser and Node: how an instance is made, how files are registered, how it dies. */
export interface DuckBackend {
  bindings: BindingsLike;
  connection: number;
  bundle: string;
  /** Origin-local URL for DuckDB's extension repository, so nothing is ever fetched from elsewhere. */
  extensionRepository: string;
  registerFile(name: string, file: Blob): Promise<void>;
  /** Register a copy of a file in the origin-private file system (see staging.ts), read through a sync access handle. */
  registerStaged?(name: string, handle: FileSystemFileHandle): Promise<void>;
  /** Open another connection to the same database (its own transaction state); returns its id. */
  connect(): Promise<number>;
  disconnect(connection: number): Promise<void>;
  terminate(): Promise<void>;
  /** Subscribe to a fatal failure of the instance (worker crash). */
  onCrash(listener: (error: Error) => void): void;
  /** Let timers and abort signals run between polls (needed where the bindings are synchronous). */
  yieldBetweenPolls?: () => Promise<void>;
  /** Current size of the instance's wasm linear memory, when it can be read. */
  heapBytes?: () => Promise<number | null>;
}

export type BackendFactory = () => Promise<DuckBackend>;

function parseMemoryLimit(text: string): number {
  const match = /^\s*([\d.]+)\s*([KMGT]?i?B)?\s*$/i.exec(text);
  if (!match) return 0;
  const units: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, TIB: 1024 ** 4 };
  return Math.round(Number(match[1]) * (units[(match[2] ?? 'B').toUpperCase()] ?? 1));
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export class DuckEngine implements Engine {
  private backend: DuckBackend | null = null;
  private starting: Promise<EngineInfo> | null = null;
  private currentStatus: EngineStatus = 'idle';
  private readonly listeners = new Set<(status: EngineStatus, error?: Error) => void>();
  /** Statements run one at a time on the single connection; this chain orders them. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Rejecters of operations in flight, so a crash fails them instead of leaving them hanging. */
  private readonly inFlight = new Set<(error: Error) => void>();
  private generation = 0;

  /** `stager`: where large files are copied before DuckDB reads them (the tab); none reads them as they are. */
  constructor(
    private readonly createBackend: BackendFactory,
    private readonly stager: FileStager | null = null,
  ) {}

  get status(): EngineStatus {
    return this.currentStatus;
  }

  onStatus(listener: (status: EngineStatus, error?: Error) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(status: EngineStatus, error?: Error): void {
    this.currentStatus = status;
    for (const listener of this.listeners) listener(status, error);
  }

  start(): Promise<EngineInfo> {
    if (!this.starting) {
      this.starting = this.boot().catch((error: unknown) => {
        this.starting = null;
        const err = error instanceof Error ? error : new Error(String(error));
        this.setStatus('error', err);
        throw err;
      });
    }
    return this.starting;
  }

  private async boot(): Promise<EngineInfo> {
    const began = performance.now();
    this.setStatus('starting');
    const generation = ++this.generation;
    const backend = await this.createBackend();
    backend.onCrash((error) => {
      if (generation !== this.generation) return;
      const crash = new EngineCrashedError(`The DuckDB engine stopped unexpectedly: ${error.message}`);
      for (const reject of this.inFlight) reject(crash);
      this.inFlight.clear();
      this.backend = null;
      this.starting = null;
      // Whatever is left of the instance goes (a worker that only threw is still running and holding memory).
      void backend.terminate().catch(() => undefined);
      this.setStatus('error', crash);
    });
    this.backend = backend;
    // Extensions would be fetched from the internet on first use: switch that off and point the repository home.
    await this.runPending(
      backend,
      [
        'SET autoinstall_known_extensions = false',
        'SET autoload_known_extensions = false',
        `SET custom_extension_repository = ${quoteLiteral(backend.extensionRepository)}`,
        // DuckDB's default in-memory database keeps every string uncompressed (~450 MiB per million events); an attached
        // in-memory database with COMPRESS stores row groups dictionary/FSST/bit-packed like a database file does
        // (~15–60 MiB per million events), which is what lets ten million events fit in a tab's 4 GB wasm heap.
        `ATTACH ':memory:' AS ${WORKSPACE_CATALOG} (COMPRESS)`,
        `USE ${WORKSPACE_CATALOG}`,
      ].join(';\n'),
    );
    const version = await backend.bindings.getVersion();
    const info: EngineInfo = { version, bundle: backend.bundle, startMs: Math.round(performance.now() - began) };
    this.setStatus('ready');
    return info;
  }

  private async ready(): Promise<DuckBackend> {
    await this.start();
    if (!this.backend) throw new EngineCrashedError('The DuckDB engine is not running');
    return this.backend;
  }

  /** Serialise work on the connection; an aborted signal drops queued work before it starts. */
  private enqueue<T>(work: (backend: DuckBackend) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = async (): Promise<T> => {
      if (signal?.aborted) throw new QueryCancelledError();
      const backend = await this.ready();
      return new Promise<T>((resolve, reject) => {
        this.inFlight.add(reject);
        work(backend).then(resolve, reject).finally(() => this.inFlight.delete(reject));
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Start a pending query, poll it to completion (or cancel it), and collect the Arrow IPC stream. */
  private async runPending(backend: DuckBackend, sql: string, signal?: AbortSignal, connection = backend.connection): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    await this.pendingParts(backend, sql, signal, connection, (part) => parts.push(part));
    return concatBytes(parts);
  }

  /**
   * Start a pending query, poll it to completion (or cancel it), and hand over its Arrow IPC stream as DuckDB sends it:
   * the schema, then one part per fetch, never concatenated.
   */
  private async pendingParts(
    backend: DuckBackend,
    sql: string,
    signal: AbortSignal | undefined,
    connection: number,
    onPart: (part: Uint8Array) => void,
    streaming = false,
  ): Promise<void> {
    onPart(await this.startPending(backend, sql, signal, connection, streaming));
    for (;;) {
      if (signal?.aborted) throw new QueryCancelledError();
      const chunk = await this.fetchPart(backend, connection, signal);
      if (chunk.byteLength === 0) break;
      onPart(chunk);
    }
  }

  /**
   * The next part of the connection's result; empty at its end. DuckDB-WASM answers a fetch with null when the part is
   * not ready yet (a streaming result still computing when its polling interval ran out): that is "ask again", never
   * the end. Taken for the end, it cut streamed results short whenever DuckDB was slower than that interval.
   */
  private async fetchPart(backend: DuckBackend, connection: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const generation = this.generation;
    for (;;) {
      const chunk = await backend.bindings.fetchQueryResults(connection);
      if (chunk) return chunk;
      if (generation !== this.generation) throw new EngineCrashedError('The engine was reset');
      if (signal?.aborted) throw new QueryCancelledError();
      if (backend.yieldBetweenPolls) await backend.yieldBetweenPolls();
    }
  }

  /** Another connection to the instance, working in the workspace catalog like the main one. */
  private async connectInWorkspace(backend: DuckBackend): Promise<number> {
    const id = await backend.connect();
    await this.runPending(backend, `USE ${WORKSPACE_CATALOG}`, undefined, id);
    return id;
  }

  /**
   * Start a pending query and poll it until DuckDB has its first answer (the IPC stream's schema), or cancel it.
   * `streaming`: DuckDB computes the result as it is fetched instead of materialising all of it first (a copy of every
   * row in wasm memory, which never shrinks).
   */
  private async startPending(backend: DuckBackend, sql: string, signal: AbortSignal | undefined, connection: number, streaming: boolean): Promise<Uint8Array> {
    const { bindings } = backend;
    const generation = this.generation;
    if (signal?.aborted) throw new QueryCancelledError();
    let header = await bindings.startPendingQuery(connection, sql, streaming);
    while (header === null) {
      // A reset replaced the instance: stop polling the old one (its callers were already rejected).
      if (generation !== this.generation) throw new EngineCrashedError('The engine was reset');
      if (signal?.aborted) {
        await bindings.cancelPendingQuery(connection);
        throw new QueryCancelledError();
      }
      if (backend.yieldBetweenPolls) await backend.yieldBetweenPolls();
      if (signal?.aborted) {
        await bindings.cancelPendingQuery(connection);
        throw new QueryCancelledError();
      }
      header = await bindings.pollPendingQuery(connection);
    }
    return header;
  }

  query(sql: string, options: QueryOptions = {}): Promise<Table> {
    return this.enqueue(async (backend) => tableFromIPC(await this.runPending(backend, sql, options.signal)), options.signal);
  }

  /**
   * One turn in the queue, on the main connection: DuckDB computes the result as it is fetched (nothing of it materialised
   * in wasm memory) and every part goes to `onPart` as it comes. The result is drained within the turn: no streaming
   * result stays open across the app's other statements (a paced stream on a second connection did, and DuckDB's worker
   * once stuck inside a call while the analysis ran beside a save). Callers that pace a large read split it into
   * several queries.
   */
  async streamIpc(sql: string, onPart: (part: Uint8Array) => void, options: QueryOptions = {}): Promise<void> {
    const { signal } = options;
    await this.enqueue(async (backend) => {
      // A result left half-read (cancelled) ends when the connection's next statement starts (DuckDB closes it then).
      await this.pendingParts(backend, sql, signal, backend.connection, onPart, true);
      // DuckDB sends the schema and the batches without the stream's end marker; readers of a stored stream need it.
      onPart(IPC_END_OF_STREAM.slice());
    }, signal);
  }

  async queryRows(sql: string, options: QueryOptions = {}): Promise<RowsResult> {
    return tableToRows(await this.query(sql, options));
  }

  async exec(sql: string, options: QueryOptions = {}): Promise<void> {
    await this.enqueue(async (backend) => {
      await this.runPending(backend, sql, options.signal);
    }, options.signal);
  }

  prepareFile(name: string, file: Blob): void {
    this.stager?.prepare(name, file);
  }

  async registerFile(name: string, file: Blob): Promise<void> {
    // The copy is made (or awaited) before the turn in the queue: queries go on meanwhile.
    const staged = await this.stager?.take(name, file);
    await this.enqueue(async (backend) => {
      if (staged && backend.registerStaged) {
        try {
          await backend.registerStaged(name, staged);
          return;
        } catch {
          // DuckDB could not open the copy (a handle already open elsewhere): the file is read as it is.
        }
      }
      await backend.registerFile(name, file);
    });
  }

  async dropFile(name: string): Promise<void> {
    try {
      await this.enqueue(async (backend) => {
        await backend.bindings.dropFile(name);
      });
    } finally {
      // After DuckDB closed its handle on the copy; also for a file prepared and never registered.
      await this.stager?.release(name);
    }
  }

  stagedBytes(): number {
    return this.stager?.stagedBytes() ?? 0;
  }

  insertArrowIPC(ipc: Uint8Array, options: ArrowInsertOptions): Promise<void> {
    return this.enqueue(async (backend) => {
      // The bindings quote the name themselves; reject what cannot be a plain table name rather than guess.
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.table)) {
        throw new Error(`Not a valid table name for an Arrow insert: ${quoteIdent(options.table)}`);
      }
      await backend.bindings.insertArrowFromIPCStream(backend.connection, ipc, { name: options.table, create: options.create });
    });
  }

  /**
   * A second connection to the same database, for work that must stay invisible until it commits (an import runs in
   * one transaction there while the views keep reading the last committed state on the main connection). Its
   * statements share the engine's queue: the worker runs one at a time either way.
   */
  async session(): Promise<EngineSession> {
    const backend = await this.ready();
    const generation = this.generation;
    const connection = await this.enqueue(async (b) => {
      return this.connectInWorkspace(b);
    });
    let open = true;
    const alive = () => {
      if (!open) throw new Error('This engine session is closed');
      if (generation !== this.generation || this.backend !== backend) throw new EngineCrashedError('The engine was reset');
    };
    const run = <T>(work: (b: DuckBackend) => Promise<T>, signal?: AbortSignal) =>
      this.enqueue(async (b) => {
        alive();
        return work(b);
      }, signal);
    const query = (sql: string, options: QueryOptions = {}) =>
      run(async (b) => tableFromIPC(await this.runPending(b, sql, options.signal, connection)), options.signal);
    return {
      query,
      queryRows: async (sql, options = {}) => tableToRows(await query(sql, options)),
      exec: async (sql, options = {}) => {
        await run((b) => this.runPending(b, sql, options.signal, connection), options.signal);
      },
      insertArrowIPC: (ipc, options) =>
        run(async (b) => {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.table)) throw new Error(`Not a valid table name for an Arrow insert: ${quoteIdent(options.table)}`);
          await b.bindings.insertArrowFromIPCStream(connection, ipc, { name: options.table, create: options.create });
        }),
      close: async () => {
        if (!open) return;
        open = false;
        if (generation !== this.generation || this.backend !== backend) return;
        // Closing a connection rolls back whatever transaction it still has open.
        await this.enqueue((b) => b.disconnect(connection)).catch(() => undefined);
      },
    };
  }

  async heapBytes(): Promise<number | null> {
    return (await this.backend?.heapBytes?.().catch(() => null)) ?? null;
  }

  async memory(): Promise<EngineMemory> {
    const { rows } = await this.queryRows(
      `SELECT coalesce(sum(memory_usage_bytes), 0) AS used, coalesce(sum(temporary_storage_bytes), 0) AS temp,
              current_setting('memory_limit') AS lim
         FROM duckdb_memory()`,
    );
    const row = rows[0] ?? {};
    const heapBytes = await this.heapBytes();
    return {
      usedBytes: Number(row.used ?? 0),
      temporaryBytes: Number(row.temp ?? 0),
      limitBytes: parseMemoryLimit(String(row.lim ?? '')),
      heapBytes,
    };
  }

  async reset(): Promise<EngineInfo> {
    await this.close();
    return this.start();
  }

  async close(): Promise<void> {
    const backend = this.backend;
    this.generation++;
    this.backend = null;
    this.starting = null;
    const closed = new EngineCrashedError('The engine was reset');
    for (const reject of this.inFlight) reject(closed);
    this.inFlight.clear();
    this.queue = Promise.resolve();
    if (backend) await backend.terminate();
    this.setStatus('idle');
  }
}
