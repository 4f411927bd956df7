// The app's Engine contract on native DuckDB (@duckdb/node-api), so the app's own code (importEvidence with the
// in-process reader, runAnalysis with the CATALOGUE) runs unchanged against native DuckDB 1.4.3: same SQL, other engine.
//
//   exec(sql)       every statement of `sql`, in order (node-api's run() hands the text to DuckDB's multi-statement
//                   query, which stops at the first failing statement and raises its error; checked by the bench)
//   queryRows(sql)  { columns: [{ name, type }], rows: [plain JS objects] } of the LAST statement (node-api's
//                   runAndReadAll would return the first one of several): BIGINT → Number (string if unsafe),
//                   TIMESTAMP → ISO string like the app's values.ts, lists/structs/maps → arrays/objects
//   registerFile    DuckDB cannot read a JS Blob: the File's path on disk is linked under the registered name in a
//                   scratch directory that DuckDB's file_search_path points at (blobs without a path are written out)
//
// Also a child-process entry point, one fresh process per thread count (clean memory, its own CPU accounting):
//   node scripts/bench/native-engine.mjs <job.json>
//   job: { root, threads, files: [paths on disk], statements?: [{ phase, sql }], runs, retries, noisy }
//   → one JSON line: the import summary (statements run after importEvidence, timed per phase), every runAnalysis
//     report (timings per detection), findings, CPU per run.
import { existsSync, mkdirSync, mkdtempSync, openAsBlob, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** A node-api JS value (getRowObjectsJS) → the plain value the app's values.ts would give for the same cell. */
export function toPlain(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object') {
    // MAP values come as [{ key, value }, …]; the app turns maps into objects.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}

function mapToObject(entries) {
  return Object.fromEntries(entries.map((e) => [String(toPlain(e.key)), toPlain(e.value)]));
}

function rowsOf(reader) {
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const kinds = types.map((t) => (String(t).startsWith('MAP(') ? 'map' : String(t) === 'DATE' ? 'date' : 'plain'));
  const rows = reader.getRowsJS().map((cells) => {
    const row = {};
    for (let i = 0; i < names.length; i++) {
      const cell = cells[i];
      // Top-level MAPs become objects and DATEs "YYYY-MM-DD", as in values.ts.
      if (kinds[i] === 'map' && Array.isArray(cell)) row[names[i]] = mapToObject(cell);
      else if (kinds[i] === 'date' && cell instanceof Date) row[names[i]] = cell.toISOString().slice(0, 10);
      else row[names[i]] = toPlain(cell);
    }
    return row;
  });
  return { columns: names.map((name, i) => ({ name, type: String(types[i]) })), rows };
}

const abortError = () => Object.assign(new Error('Query cancelled'), { name: 'AbortError' });

/**
 * Open an in-memory native DuckDB with the app's engine settings (no extension auto-install/auto-load; UTC, because the
 * native build links ICU, which the wasm build lacks) and wrap it in the app's Engine interface.
 * @param {{ threads: number, workDir?: string }} o
 */
export async function openNativeEngine({ threads, workDir }) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const scratch = workDir ?? mkdtempSync(path.join(os.tmpdir(), 'driftline-native-'));
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const connection = await instance.connect();
  await connection.run(
    `SET autoinstall_known_extensions = false; SET autoload_known_extensions = false; SET TimeZone = 'UTC';
     SET file_search_path = '${scratch.replaceAll("'", "''")}';
     -- The app's storage: a compressed in-memory database (src/engine/duck-engine.ts, WORKSPACE_CATALOG).
     ATTACH ':memory:' AS driftline (COMPRESS); USE driftline;`,
  );
  /** File (as handed to the app's reader) → its path on disk. */
  const paths = new Map();
  const registered = new Set();
  let queue = Promise.resolve();
  // One connection, one statement at a time, like the app's engine queue.
  const serial = (work) => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const withSignal = (options, work, conn = connection) =>
    serial(async () => {
      const signal = options?.signal;
      if (signal?.aborted) throw abortError();
      const onAbort = () => conn.interrupt();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await work();
      } catch (error) {
        if (signal?.aborted) throw abortError();
        throw error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    });

  const statementsOn = (conn) => ({
    exec(sql, options) {
      return withSignal(options, async () => {
        await conn.run(sql);
      }, conn);
    },
    queryRows(sql, options) {
      return withSignal(options, async () => {
        const extracted = await conn.extractStatements(sql);
        if (extracted.count <= 1) return rowsOf(await conn.runAndReadAll(sql));
        // Several statements: run all but the last, read the last (the Engine contract).
        return rowsOf(await conn.startThenReadAll(sql));
      }, conn);
    },
    async query() {
      throw new Error('native bench engine: query() (Arrow results) is not implemented; runAnalysis and importEvidence do not need it');
    },
    async insertArrowIPC() {
      throw new Error('native bench engine: insertArrowIPC is not implemented (only JSON sources stage Arrow; the bench imports CSV)');
    },
  });

  const engine = {
    status: 'ready',
    async start() {
      return { version: await version(), bundle: `native-${threads}t`, startMs: 0 };
    },
    async registerFile(name, blob) {
      const target = path.join(scratch, name);
      mkdirSync(path.dirname(target), { recursive: true });
      rmSync(target, { force: true });
      const source = paths.get(blob);
      if (source) symlinkSync(source, target);
      else writeFileSync(target, Buffer.from(await blob.arrayBuffer()));
      registered.add(target);
    },
    async dropFile(name) {
      const target = path.join(scratch, name);
      if (registered.delete(target) && existsSync(target)) unlinkSync(target);
    },
    ...statementsOn(connection),
    /** Another connection (the app's imports run their transaction on one), same serial queue. */
    async session() {
      const conn = await instance.connect();
      // Connection settings are per connection (file_search_path cannot be set globally): the same as the main one.
      await conn.run(
        `SET autoinstall_known_extensions = false; SET autoload_known_extensions = false; SET TimeZone = 'UTC';
         SET file_search_path = '${scratch.replaceAll("'", "''")}'; USE driftline;`,
      );
      return {
        ...statementsOn(conn),
        async close() {
          conn.closeSync();
        },
      };
    },
    async memory() {
      const { rows } = await engine.queryRows(
        `SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT AS used, coalesce(sum(temporary_storage_bytes), 0)::BIGINT AS tmp FROM duckdb_memory()`,
      );
      return { usedBytes: Number(rows[0].used), limitBytes: 0, temporaryBytes: Number(rows[0].tmp) };
    },
    async reset() {
      throw new Error('native bench engine: reset() is not supported');
    },
    async close() {
      connection.closeSync();
      instance.closeSync?.();
      if (!workDir) rmSync(scratch, { recursive: true, force: true });
    },
    onStatus() {
      return () => undefined;
    },
  };
  async function version() {
    return String((await engine.queryRows('SELECT version() AS v')).rows[0].v);
  }

  /** A File for a path on disk (read lazily), remembered so registerFile can link the path instead of copying. */
  async function fileFromPath(p) {
    const file = new File([await openAsBlob(p)], path.basename(p));
    paths.set(file, p);
    return file;
  }

  return { engine, connection, instance, scratch, fileFromPath, version };
}

/**
 * The app modules the native side runs, loaded from src/ through Vite's SSR loader (TypeScript, `?raw` SQL imports).
 * Plain functions and objects, usable after the loader closes.
 */
export async function loadAppAnalysis(root) {
  let createServer;
  try {
    ({ createServer } = await import('vite'));
  } catch (error) {
    throw new Error(`Vite is needed to load the app's modules (npm install): ${error.message}`);
  }
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  try {
    const load = (p) => server.ssrLoadModule(p);
    const [runner, catalogue, pipeline, reader, inventory, csvText] = await Promise.all([
      load('/src/detections/runner.ts'),
      load('/src/detections/catalog/index.ts'),
      load('/src/ingest/pipeline.ts'),
      load('/src/ingest/reader.ts'),
      load('/src/ingest/inventory/index.ts'),
      load('/src/ingest/container/csv-text.ts'),
    ]);
    return {
      runAnalysis: runner.runAnalysis,
      DEFAULT_SETTINGS: runner.DEFAULT_SETTINGS,
      CATALOGUE: catalogue.CATALOGUE,
      importEvidence: pipeline.importEvidence,
      readEvidence: reader.readEvidence,
      classifyCsv: inventory.classifyCsv,
      csvHeadAndSample: csvText.csvHeadAndSample,
    };
  } catch (error) {
    throw new Error(`Could not load the app's modules through Vite (is the source mid-edit?): ${error.message}`);
  } finally {
    await server.close();
  }
}

// ───────────────────────────── child process: import once, analyse `runs` times ─────────────────────────────

function cpuJiffies() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - fields[3] - (fields[4] ?? 0), total };
  } catch {
    return null;
  }
}

const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function child(jobFile) {
  const job = JSON.parse(readFileSync(jobFile, 'utf8'));
  const app = await loadAppAnalysis(job.root);
  const native = await openNativeEngine({ threads: job.threads });
  const { engine } = native;
  try {
    const files = await Promise.all(job.files.map((p) => native.fileFromPath(p)));
    const t0 = performance.now();
    // Natively, memory is no constraint: a CSV is read in one read_csv and committed once, DuckDB's own fastest load
    // (the tab slices large CSVs and commits every 200k events because its wasm heap never shrinks).
    const report = await app.importEvidence(engine, files, {
      reader: app.readEvidence,
      signal: new AbortController().signal,
      csvSlice: { from: Number.MAX_SAFE_INTEGER, bytes: Number.MAX_SAFE_INTEGER },
      stepEvents: Number.MAX_SAFE_INTEGER,
    });
    if (report.status !== 'committed') throw new Error(`the native import did not commit: ${report.status} ${report.error ?? ''}`);
    // Optional SQL after the import (e.g. bench:ingest's native CloudTrail load, read_json + the field mapping + resolve.sql,
    // which the app's in-process reader cannot feed here: this engine has no Arrow insert). Timed per phase.
    const statementMs = {};
    for (const statement of job.statements ?? []) {
      const t = performance.now();
      await engine.exec(statement.sql);
      statementMs[statement.phase] = (statementMs[statement.phase] ?? 0) + (performance.now() - t);
    }
    const importMs = performance.now() - t0;
    const afterImport = await engine.memory();
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    const runs = [];
    // Up to job.runs clean runs (others under job.noisy of the machine), repeating noisy ones at most job.retries times.
    const clean = () => runs.filter((r) => !r.noisy).length;
    for (let i = 0; clean() < job.runs && i < job.runs + (job.retries ?? 0); i++) {
      const before = { machine: cpuJiffies(), own: ownCpuSeconds(), t: performance.now() };
      const r = await app.runAnalysis(engine, app.CATALOGUE, app.DEFAULT_SETTINGS);
      const wall = (performance.now() - before.t) / 1000;
      const after = cpuJiffies();
      const own = ownCpuSeconds() - before.own;
      const busy = before.machine && after ? (after.busy - before.machine.busy) / 100 : null;
      const { rows } = await engine.queryRows(
        `SELECT count(*) AS n, count(*) FILTER (WHERE status = 'open') AS open, count(*) FILTER (WHERE status = 'explained') AS explained,
                count(*) FILTER (WHERE status = 'excepted') AS excepted FROM findings`,
      );
      const otherCpuShare = busy === null ? null : Math.max(0, busy - own) / (wall * cores);
      runs.push({
        totalMs: r.totalMs,
        timingsMs: r.timingsMs,
        counts: r.counts,
        findings: Number(rows[0].n),
        open: Number(rows[0].open),
        cpuSeconds: own,
        // Share of the whole machine other processes used during this run (our process's CPU taken out).
        otherCpuShare,
        noisy: otherCpuShare !== null && otherCpuShare > (job.noisy ?? 0.15),
      });
    }
    const { rows: check } = await engine.queryRows(
      `SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM identities) AS identities,
              (SELECT count(*) FROM identity_aliases) AS aliases, (SELECT count(*) FROM evidence_files) AS files,
              (SELECT count(DISTINCT actor) FROM events) AS actors, (SELECT count(*) FROM events WHERE identity_key IS NOT NULL) AS resolved_events`,
    );
    const memory = await engine.memory();
    const { rows: ext } = await engine.queryRows(`SELECT list(extension_name ORDER BY extension_name) AS l FROM duckdb_extensions() WHERE loaded`);
    process.stdout.write(
      `${JSON.stringify({
        threads: job.threads,
        version: await native.version(),
        extensionsLoaded: ext[0].l,
        import: { ms: importMs, statementMs, duckdbBytes: afterImport.usedBytes, status: report.status, summary: report.summary, timings: report.timings, files: report.files.map((f) => ({ name: f.name, status: f.status, rows: f.rows, rejected: f.rejected, kind: f.info?.kind ?? null, vendor: f.info?.vendor ?? null })) },
        check: check[0],
        duckdbBytes: memory.usedBytes,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        runs,
      })}\n`,
    );
  } finally {
    await engine.close();
  }
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  child(process.argv[2]).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(2);
    },
  );
}

export const NATIVE_ENGINE_SCRIPT = fileURLToPath(import.meta.url);
