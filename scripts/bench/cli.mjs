// Command-line plumbing every benchmark script shares: failing with the script's name, counts like 50k or 1M, and flag
// parsing with --help and the usage line on a bad flag.
import { parseArgs } from 'node:util';

/** Print `<name>: message` and exit 1. */
export function fail(message, name) {
  console.error(`\n${name}: ${message}`);
  process.exit(1);
}

/** A positive count written like 50000, 50k, 1M or 1_000_000; anything else fails naming the flag. */
export function parseCount(text, flag, name) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(text).replaceAll('_', '').replaceAll(',', ''));
  if (!m) fail(`${flag} must be a number like 50000, 50k or 1M (got "${text}")`, name);
  const n = Math.round(Number(m[1]) * ({ k: 1e3, m: 1e6 }[m[2].toLowerCase()] ?? 1));
  if (!(n > 0)) fail(`${flag} must be positive`, name);
  return n;
}

/** The script's flags (node:util parseArgs, plus -h/--help, which prints `usage` and exits); a bad flag fails with it. */
export function parseBenchArgs(name, usage, options) {
  let values;
  try {
    values = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h', default: false } } }).values;
  } catch (error) {
    fail(`${error.message}\n${usage}`, name);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}
