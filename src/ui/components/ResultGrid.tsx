// A query result as a table that stays fast at 100,000+ rows: only the rows in view (plus a margin) are in the DOM,
// between two spacer rows that keep the scroll height; the header sticks, cells are plain text.
import { observeElementRect, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef } from 'react';
import type { RowsResult } from '../../engine/types';
import { uiValueToText } from '../../engine/values';
import { formatCount } from '../../lib/format';

const ROW_HEIGHT = 28;
/** Rows assumed visible while the grid has no layout yet (or none at all, as in jsdom). */
const FALLBACK_VIEWPORT = 20 * ROW_HEIGHT;
const WIDTH_SAMPLE = 200;
const NUMERIC_TYPE = /^(u?int|float|decimal)/i;

/** Column widths in ch from the header and the first rows, so columns do not jump while scrolling. */
function columnWidths(result: RowsResult): number[] {
  const sample = result.rows.slice(0, WIDTH_SAMPLE);
  return result.columns.map((column) => {
    let widest = column.name.length + 2;
    for (const row of sample) widest = Math.max(widest, uiValueToText(row[column.name] ?? null).length);
    return Math.min(Math.max(widest + 2, 6), 48);
  });
}

function observeRectWithFallback(instance: Virtualizer<HTMLDivElement, Element>, cb: (rect: { width: number; height: number }) => void) {
  return observeElementRect(instance, (rect) => cb(rect.height > 0 ? rect : { ...rect, height: FALLBACK_VIEWPORT }));
}

export interface ResultGridProps {
  result: RowsResult;
  elapsedMs: number | null;
  /** Accessible name of the table. */
  label?: string;
  onExport?: () => void;
}

export function ResultGrid({ result, elapsedMs, label = 'Query result', onExport }: ResultGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const { columns, rows } = result;
  const widths = useMemo(() => columnWidths(result), [result]);
  const numeric = useMemo(() => columns.map((c) => NUMERIC_TYPE.test(c.type)), [columns]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    observeElementRect: observeRectWithFallback,
  });

  // A new result starts at its first row.
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [result]);

  const items = virtualizer.getVirtualItems();
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = items.length ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;
  const span = Math.max(columns.length, 1);

  return (
    <div className="result-grid">
      <div className="result-head">
        <span role="status" aria-label="Result size">
          {`${formatCount(rows.length)} row${rows.length === 1 ? '' : 's'} · ${columns.length} column${columns.length === 1 ? '' : 's'}${elapsedMs === null ? '' : ` · ${formatCount(elapsedMs)} ms`}`}
        </span>
        {onExport && (
          <button type="button" onClick={onExport} disabled={columns.length === 0}>
            Export result as CSV
          </button>
        )}
      </div>
      <div className="result-grid-scroll" ref={scrollRef} tabIndex={0} role="region" aria-label="Result rows">
        <table className="grid" aria-label={label} aria-rowcount={rows.length + 1} aria-colcount={columns.length}>
          <colgroup>
            {widths.map((w, i) => (
              <col key={i} style={{ width: `${w}ch` }} />
            ))}
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              {columns.map((column, i) => (
                <th key={`${i}-${column.name}`} scope="col" title={column.type} className={numeric[i] ? 'num' : undefined}>
                  {column.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {paddingTop > 0 && (
              <tr className="spacer" aria-hidden="true">
                <td colSpan={span} style={{ height: paddingTop }} />
              </tr>
            )}
            {items.map((item) => {
              const row = rows[item.index]!;
              return (
                <tr key={item.index} aria-rowindex={item.index + 2}>
                  {columns.map((column, c) => {
                    const text = uiValueToText(row[column.name] ?? null);
                    return (
                      <td key={c} className={numeric[c] ? 'num' : undefined} title={text.length > widths[c]! - 2 ? text : undefined}>
                        {text}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
            {paddingBottom > 0 && (
              <tr className="spacer" aria-hidden="true">
                <td colSpan={span} style={{ height: paddingBottom }} />
              </tr>
            )}
          </tbody>
        </table>
        {rows.length === 0 && columns.length > 0 && <p className="result-empty">No rows.</p>}
      </div>
    </div>
  );
}
