// One native run in a fresh process (so every run starts with a cold, empty DuckDB and its own memory):
//   node scripts/bench/native-run.mjs <job.json>
// job: { threads, statements: [{ phase, sql, query? }], check } → prints one JSON line with the time per phase.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const db = await DuckDBInstance.create(':memory:', { threads: String(job.threads) });
const connection = await db.connect();
// The app's storage: an in-memory database that keeps its tables compressed (src/engine/duck-engine.ts).
await connection.run(`ATTACH ':memory:' AS driftline (COMPRESS); USE driftline;`);
const phases = {};
const began = performance.now();
for (const statement of job.statements) {
  const t = performance.now();
  try {
    if (statement.query) await connection.runAndReadAll(statement.sql);
    else await connection.run(statement.sql);
  } catch (error) {
    process.stderr.write(`Native ${statement.phase} statement failed: ${error.message}\n--- SQL ---\n${statement.sql.slice(0, 4000)}\n`);
    process.exit(2);
  }
  phases[statement.phase] = (phases[statement.phase] ?? 0) + (performance.now() - t);
}
const totalMs = performance.now() - began;
const check = (await connection.runAndReadAll(job.check)).getRowObjectsJson()[0];
const memory = (
  await connection.runAndReadAll(`SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT AS used FROM duckdb_memory()`)
).getRowObjectsJson()[0];
const version = (await connection.runAndReadAll('SELECT version() AS v')).getRowObjectsJson()[0].v;
connection.closeSync();
db.closeSync();
process.stdout.write(
  `${JSON.stringify({
    threads: job.threads,
    totalMs,
    phases,
    check,
    duckdbBytes: Number(memory.used),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    version,
  })}\n`,
);
