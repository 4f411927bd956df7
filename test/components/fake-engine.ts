// A hand-written Engine for component tests: records calls, answers from a script, can be held or failed.
import { tableFromArrays, tableToIPC, type Table } from 'apache-arrow';
import type { Engine, EngineInfo, EngineMemory, EngineSession, EngineStatus, QueryOptions, RowsResult } from '../../src/engine/types';
import { tableToRows } from '../../src/engine/values';

export class FakeEngine implements Engine {
  status: EngineStatus = 'idle';
  registered: string[] = [];
  queries: string[] = [];
  failStart: Error | null = null;
  private listeners = new Set<(status: EngineStatus, error?: Error) => void>();
  private releaseStart: (() => void) | null = null;
  holdStart = false;

  /** By default SELECT 42 answers 42 and every other statement returns no rows (an empty workspace). */
  constructor(
    private readonly answer: (sql: string) => Table = (sql) =>
      /SELECT 42/i.test(sql) ? tableFromArrays({ answer: Int32Array.from([42]) }) : tableFromArrays({}),
  ) {}

  private set(status: EngineStatus, error?: Error) {
    this.status = status;
    for (const listener of this.listeners) listener(status, error);
  }

  onStatus(listener: (status: EngineStatus, error?: Error) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<EngineInfo> {
    this.set('starting');
    if (this.holdStart) await new Promise<void>((resolve) => (this.releaseStart = resolve));
    if (this.failStart) {
      this.set('error', this.failStart);
      throw this.failStart;
    }
    this.set('ready');
    return { version: 'v1.4.3', bundle: 'fake', startMs: 5 };
  }

  finishStart() {
    this.releaseStart?.();
  }

  async registerFile(name: string): Promise<void> {
    this.registered.push(name);
  }
  async dropFile(): Promise<void> {}

  async query(sql: string, options: QueryOptions = {}): Promise<Table> {
    this.queries.push(sql);
    if (options.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    return this.answer(sql);
  }
  async queryRows(sql: string, options?: QueryOptions): Promise<RowsResult> {
    return tableToRows(await this.query(sql, options));
  }
  async streamIpc(sql: string, onPart: (part: Uint8Array) => void, options?: QueryOptions): Promise<void> {
    onPart(tableToIPC(await this.query(sql, options), 'stream'));
  }
  async exec(sql: string): Promise<void> {
    this.queries.push(sql);
  }
  async insertArrowIPC(): Promise<void> {}
  /** The same engine answers a session's statements (component tests never see a second connection's isolation). */
  async session(): Promise<EngineSession> {
    return {
      query: (sql, options) => this.query(sql, options),
      queryRows: (sql, options) => this.queryRows(sql, options),
      exec: (sql) => this.exec(sql),
      insertArrowIPC: () => this.insertArrowIPC(),
      close: async () => undefined,
    };
  }
  async memory(): Promise<EngineMemory> {
    return { usedBytes: 0, limitBytes: 3_300_000_000, temporaryBytes: 0, heapBytes: null };
  }
  async reset(): Promise<EngineInfo> {
    return this.start();
  }
  async close(): Promise<void> {
    this.set('idle');
  }
}
