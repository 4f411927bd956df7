// Plain-text tables and number formatting for the benchmark report.
import os from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';

export const MiB = 1024 * 1024;

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Median of every numeric field over a list of flat objects. */
export function medianOf(rows, fields) {
  return Object.fromEntries(fields.map((f) => [f, median(rows.map((r) => r?.[f]))]));
}

const nf = (digits) => new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const int = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : nf(0).format(Math.round(x)));
export const dec = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : nf(d).format(x));
export const mib = (bytes, d = 1) => (bytes === null || bytes === undefined ? '–' : dec(bytes / MiB, d));
export const ratio = (a, b) => (a && b ? `${dec(a / b, 2)}×` : '–');

export function size(bytes) {
  if (bytes === null || bytes === undefined) return '–';
  if (bytes >= 1e9) return `${dec(bytes / 1e9, 2)} GB`;
  if (bytes >= 1e6) return `${dec(bytes / 1e6, 1)} MB`;
  return `${dec(bytes / 1e3, 1)} kB`;
}

/**
 * Render rows as an aligned table. columns: [{ title, align: 'left'|'right' }]; rows: string[][].
 */
export function table(columns, rows, indent = '  ') {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) =>
    indent +
    cells
      .map((cell, i) => {
        const s = String(cell ?? '');
        return columns[i].align === 'right' ? s.padStart(widths[i]) : s.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), indent + widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function machineInfo() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux */
  }
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    ramBytes: os.totalmem(),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat; null off Linux. */
export function cpuJiffies() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = fields[3] + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** CPU-seconds the machine spent busy between two cpuJiffies() snapshots (USER_HZ = 100 on Linux). */
export function busySeconds(a, b) {
  return a && b ? (b.busy - a.busy) / 100 : null;
}

/** CPU-seconds of this process and every descendant (Chromium and its helpers, native children), from /proc. */
export function treeCpuSeconds(rootPid = process.pid) {
  let entries;
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const procs = new Map();
  for (const pid of entries) {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      // After "pid (comm) ": state ppid … utime(11) stime(12) cutime(13) cstime(14), in clock ticks.
      procs.set(Number(pid), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      /* gone meanwhile */
    }
  }
  const children = new Map();
  for (const [pid, p] of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  let ticks = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    ticks += procs.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks / 100;
}

/** Start a CPU window; `.share()` = the share of the whole machine that processes outside this tree used meanwhile. */
export function cpuWindow() {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const a = { machine: cpuJiffies(), ours: treeCpuSeconds(), t: performance.now() };
  return {
    share() {
      const machine = cpuJiffies();
      const ours = treeCpuSeconds();
      const wall = (performance.now() - a.t) / 1000;
      if (!a.machine || !machine || a.ours === null || ours === null || wall <= 0) return { other: null, ours: null };
      const busy = (machine.busy - a.machine.busy) / 100;
      return { other: Math.max(0, busy - (ours - a.ours)) / (wall * cores), ours: ours - a.ours, wallS: wall };
    },
  };
}

/**
 * Wait (up to maxMs) until other processes leave the machine quiet: less than `threshold` of all cores busy over a
 * 1-second window. Our own processes are idle between runs, so what is busy then is someone else. Returns the last share.
 */
export async function waitForQuiet(maxMs, threshold = 0.2) {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const until = Date.now() + maxMs;
  let share = null;
  do {
    const a = cpuJiffies();
    await new Promise((r) => setTimeout(r, 1000));
    const b = cpuJiffies();
    if (!a || !b) return null;
    share = busySeconds(a, b) / cores;
    if (share < threshold) return share;
  } while (Date.now() < until);
  return share;
}

/** The closing part every benchmark prints: goals with PASS/MISS, warnings, notes. */
export function goalsWarningsNotes(result) {
  const out = ['', 'Goals (from the issue)'];
  out.push(table([{ title: 'goal' }, { title: 'measured' }, { title: 'result' }], result.goals.map((g) => [g.goal, g.shown, g.result])));
  if (result.warnings.length) out.push('', 'Warnings', ...result.warnings.map((w) => `  ! ${w}`));
  out.push('', 'Notes', ...result.notes.map((n) => `  - ${n}`));
  return out;
}
