// Event CSVs (generic mapped logs, GitHub audit CSV) go through DuckDB's own CSV reader on the registered file:
// every column read as text, then one SELECT turns a row into a canonical event. Ragged rows are kept out with reasons.
import { quoteIdent, quoteLiteral } from '../engine/sql';
import type { Platform, SourceFormat } from './canonical';

/** Canonical event fields a CSV column can feed. */
export const EVENT_FIELDS = [
  'event_time', 'actor', 'actor_alt', 'actor_type', 'account', 'credential_id', 'action', 'resource', 'resource_account',
  'source_ip', 'user_agent', 'outcome', 'error_code', 'bytes', 'event_id', 'session_type',
] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

/** Which CSV column (by header text) feeds which field; event_time is required. */
export type EventColumnMapping = Partial<Record<EventField, string>> & { event_time: string };

/** How a time column is written, decided from a sample so the SQL does one cheap conversion per row. */
export type TimeFormat = 'iso' | 'iso_offset' | 'epoch_s' | 'epoch_ms' | 'epoch_us' | 'mdy' | 'dmy' | 'mixed';

export function detectTimeFormat(samples: readonly string[]): TimeFormat {
  const kinds = new Set<TimeFormat>();
  let slashedDayFirst = false;
  for (const raw of samples) {
    const v = raw.trim();
    if (!v) continue;
    if (/^\d{13}$/.test(v)) kinds.add('epoch_ms');
    else if (/^\d{10}(\.\d+)?$/.test(v)) kinds.add('epoch_s');
    else if (/^\d{16}$/.test(v)) kinds.add('epoch_us');
    else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.,]+)?[+-]\d{2}:?\d{2}$/.test(v)) kinds.add('iso_offset');
    else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.,]+)?\s*(Z|UTC)?$/i.test(v)) kinds.add('iso');
    else if (/^\d{1,2}\/\d{1,2}\/\d{4}/.test(v)) {
      kinds.add('mdy');
      if (Number(v.split('/')[0]) > 12) slashedDayFirst = true;
    } else if (/^\d{1,2}\.\d{1,2}\.\d{4}/.test(v)) kinds.add('dmy');
    else kinds.add('mixed');
  }
  if (kinds.size === 1) {
    const [only] = kinds;
    return only === 'mdy' && slashedDayFirst ? 'dmy' : only!;
  }
  if (kinds.size === 2 && kinds.has('iso') && kinds.has('iso_offset')) return 'iso_offset';
  return 'mixed';
}

/** Unicode space separators (Zs): what DuckDB's trim() removes from either end (tabs and newlines it keeps). */
const SPACE_SEPARATORS = [32, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8239, 8287, 12288];

/**
 * `nullif(trim(col), '')`, computed the cheap way: trim() copies every string it is given, which in DuckDB-WASM costs
 * ~0.6 s per million long values (user agents), while a value that neither starts nor ends with a space separator is
 * returned as it is. Same result for every input.
 */
export function trimmedTextSql(col: string): string {
  const edges = [`ascii(${col}) IN (${SPACE_SEPARATORS.join(', ')})`, ...SPACE_SEPARATORS.map((c) => `suffix(${col}, chr(${c}))`)].join(' OR ');
  return `(CASE WHEN ${col} = '' THEN NULL WHEN ${edges} THEN nullif(trim(${col}), '') ELSE ${col} END)`;
}

const trimmed = (col: string) => `trim(${col})`;

/** SQL turning the text column `col` into a UTC TIMESTAMP (NULL when unparseable). No ICU: offsets applied by hand. */
export function timeSql(col: string, format: TimeFormat): string {
  const v = trimmed(col);
  const isoWithOffset = `(CASE WHEN regexp_matches(${v}, '[+-]\\d{2}:?\\d{2}$')
      THEN try_cast(regexp_replace(${v}, '[+-]\\d{2}:?\\d{2}$', '') AS TIMESTAMP)
           - (CASE WHEN regexp_extract(${v}, '([+-])\\d{2}:?\\d{2}$', 1) = '-' THEN -1 ELSE 1 END)
             * (CAST(regexp_extract(${v}, '[+-](\\d{2}):?\\d{2}$', 1) AS INTEGER) * 60
                + CAST(regexp_extract(${v}, '[+-]\\d{2}:?(\\d{2})$', 1) AS INTEGER)) * INTERVAL 1 MINUTE
      ELSE try_cast(regexp_replace(${v}, '\\s*UTC$', '') AS TIMESTAMP) END)`;
  const slashed = (order: 'mdy' | 'dmy') => {
    const d = order === 'mdy' ? '%m/%d/%Y' : '%d/%m/%Y';
    return `coalesce(try_strptime(${v}, '${d} %H:%M:%S'), try_strptime(${v}, '${d} %H:%M'), try_strptime(${v}, '${d} %I:%M:%S %p'),
                     try_strptime(${v}, '${d} %I:%M %p'), try_strptime(${v}, '${d}'))`;
  };
  const dotted = `coalesce(try_strptime(${v}, '%d.%m.%Y %H:%M:%S'), try_strptime(${v}, '%d.%m.%Y %H:%M'), try_strptime(${v}, '%d.%m.%Y'))`;
  const epoch = (factor: string) => `(CASE WHEN regexp_full_match(${v}, '\\d+(\\.\\d+)?') THEN make_timestamp(CAST(CAST(${v} AS DOUBLE) * ${factor} AS BIGINT)) END)`;
  switch (format) {
    case 'iso':
      // Most values cast as they are (a trailing Z included); only the others pay for the trim and the regex.
      return `coalesce(try_cast(${col} AS TIMESTAMP), try_cast(regexp_replace(${v}, '\\s*UTC$', '') AS TIMESTAMP))`;
    case 'iso_offset':
      return isoWithOffset;
    case 'epoch_s':
      return epoch('1000000');
    case 'epoch_ms':
      return epoch('1000');
    case 'epoch_us':
      return epoch('1');
    case 'mdy':
      return slashed('mdy');
    case 'dmy':
      return `coalesce(${slashed('dmy')}, ${dotted})`;
    case 'mixed':
      return `(CASE
        WHEN regexp_full_match(${v}, '\\d{13}') THEN ${epoch('1000')}
        WHEN regexp_full_match(${v}, '\\d{10}(\\.\\d+)?') THEN ${epoch('1000000')}
        WHEN regexp_full_match(${v}, '\\d{16}') THEN ${epoch('1')}
        WHEN regexp_matches(${v}, '^\\d{1,2}/\\d{1,2}/\\d{4}') THEN ${slashed('mdy')}
        WHEN regexp_matches(${v}, '^\\d{1,2}\\.\\d{1,2}\\.\\d{4}') THEN ${dotted}
        ELSE ${isoWithOffset} END)`;
  }
}


export interface CsvReadOptions {
  /** Engine file name of the (UTF-8) file. */
  engineFile: string;
  delimiter: string;
  /** Name of the DuckDB table that receives rows the reader rejected (ragged, unterminated quotes…). */
  rejectsTable: string;
}

/** read_csv over the registered file: all text, header row, rejects stored instead of failing the file. */
export function readCsvSql({ engineFile, delimiter, rejectsTable }: CsvReadOptions): string {
  return `read_csv(${quoteLiteral(engineFile)}, header = true, all_varchar = true, delim = ${quoteLiteral(delimiter)},
    quote = '"', escape = '"', auto_detect = false, columns = NULL, store_rejects = true,
    rejects_table = ${quoteLiteral(rejectsTable)}, rejects_scan = ${quoteLiteral(`${rejectsTable}_scan`)})`;
}

export interface MappedEventsOptions extends CsvReadOptions {
  /** CSV header as read (column names in order); the reader needs them because auto-detection is off. */
  headers: readonly string[];
  mapping: EventColumnMapping;
  timeFormat: TimeFormat;
  platform: Platform;
  sourceFormat: SourceFormat;
  fileId: string;
  /** Data rows before this part of the file (a slice of a large CSV); source_row continues from there. */
  rowOffset?: number;
  /** Event fields left empty when the analyst asked for a narrower column set. */
  omit?: readonly EventField[];
  /** false: no value begins or ends with a space separator (the reader checked), so none is trimmed. Default true. */
  trim?: boolean;
}

const OUTCOME_SQL = (text: string) => {
  const v = `lower(coalesce(${text}, ''))`;
  return `CASE
    WHEN ${v} IN ('success', 'succeeded', 'ok', 'allow', 'allowed', 'true', '0', 'pass', 'passed', '200', '201', '204') THEN 'success'
    WHEN ${v} IN ('failure', 'failed', 'fail', 'deny', 'denied', 'false', 'error', 'unauthorized', 'forbidden', 'accessdenied', '401', '403', '500')
      OR regexp_matches(${v}, '(denied|unauthori[sz]ed|forbidden|fail|error)') THEN 'failure'
  END`;
};

/**
 * The SELECT that turns each CSV row into an events row (staging column order) plus `_raw_time`, the time text as
 * written: rows whose time did not parse have event_time NULL and become rejected rows naming that text.
 */
export function mappedEventsSelect(options: MappedEventsOptions): string {
  const { mapping, headers } = options;
  const columns = `{${headers.map((h, i) => `${quoteLiteral(h || `column${i}`)}: 'VARCHAR'`).join(', ')}}`;
  const source = readCsvSql(options).replace('columns = NULL', `columns = ${columns}`);
  const omitted = new Set(options.omit ?? []);
  // Checking each value's edges for the 17 space separators is most of the cost of this SELECT (~40% in DuckDB-WASM):
  // skipped when the reader saw that no value has one.
  const text = options.trim === false ? (c: string) => `nullif(${c}, '')` : trimmedTextSql;
  const col = (field: EventField) => (mapping[field] && !omitted.has(field) ? text(quoteIdent(mapping[field]!)) : 'NULL');
  return `SELECT ${timeSql(quoteIdent(mapping.event_time), options.timeFormat)} AS event_time,
           ${quoteLiteral(options.platform)} AS platform,
           ${quoteLiteral(options.sourceFormat)} AS source_format,
           ${col('event_id')} AS event_id, ${col('actor')} AS actor, ${col('actor_alt')} AS actor_alt, ${col('actor_type')} AS actor_type,
           ${col('account')} AS account, ${col('credential_id')} AS credential_id, ${col('action')} AS action, ${col('resource')} AS resource,
           ${col('resource_account')} AS resource_account, ${col('source_ip')} AS source_ip, ${col('user_agent')} AS user_agent,
           ${mapping.outcome && !omitted.has('outcome') ? OUTCOME_SQL(text(quoteIdent(mapping.outcome))) : 'NULL'} AS outcome,
           ${col('error_code')} AS error_code,
           ${mapping.bytes && !omitted.has('bytes') ? `try_cast(${quoteIdent(mapping.bytes)} AS DOUBLE)` : 'NULL'} AS bytes,
           NULL::DOUBLE AS records, NULL::BOOLEAN AS is_write, ${col('session_type')} AS session_type,
           ${quoteLiteral(options.fileId)} AS file_id,
           -- CSV line number of the row: header is line 1 (quoted newlines make this an approximation, said in the UI)
           CAST(row_number() OVER () + ${1 + Math.max(0, Math.trunc(options.rowOffset ?? 0))} AS BIGINT) AS source_row,
           ${quoteIdent(mapping.event_time)} AS _raw_time
      FROM ${source}`;
}
