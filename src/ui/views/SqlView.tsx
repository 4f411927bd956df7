// A plain SQL console over the workspace: the one place raw SQL from the user runs.
import { cancelSql, runSql } from '../../state/actions';
import { uiValueToText } from '../../engine/values';
import { useAppState, useServices } from '../context';

const MAX_ROWS_SHOWN = 1000;

export function SqlView() {
  const services = useServices();
  const sql = useAppState((state) => state.sql);
  const engineReady = useAppState((state) => state.engine.status === 'ready');
  const result = sql.result;
  return (
    <section aria-labelledby="sql-title" className="sql-view">
      <h2 id="sql-title">SQL console</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void runSql(services);
        }}
      >
        <label htmlFor="sql-text">SQL query</label>
        <textarea
          id="sql-text"
          spellCheck={false}
          rows={6}
          value={sql.text}
          onChange={(event) => services.store.setState((state) => ({ sql: { ...state.sql, text: event.target.value } }))}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              void runSql(services);
            }
          }}
        />
        <div className="toolbar">
          <button type="submit" className="primary" disabled={!engineReady || sql.running}>
            Run query
          </button>
          <button type="button" disabled={!sql.running} onClick={() => cancelSql()}>
            Cancel query
          </button>
          <span role="status" aria-label="Query status">
            {sql.running
              ? 'Running…'
              : sql.error
                ? ''
                : result
                  ? `${result.rows.length} row${result.rows.length === 1 ? '' : 's'} in ${sql.elapsedMs ?? 0} ms`
                  : ''}
          </span>
        </div>
      </form>
      {sql.error && (
        <p role="alert" className="error">
          {sql.error}
        </p>
      )}
      {result && (
        <div className="result-scroll">
          <table className="grid" aria-label="Query result">
            <thead>
              <tr>
                {result.columns.map((column, i) => (
                  <th key={`${i}-${column.name}`} scope="col" title={column.type}>
                    {column.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.rows.slice(0, MAX_ROWS_SHOWN).map((row, r) => (
                <tr key={r}>
                  {result.columns.map((column, c) => (
                    <td key={c}>{uiValueToText(row[column.name] ?? null)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {result.rows.length > MAX_ROWS_SHOWN && (
            <p>
              Showing the first {MAX_ROWS_SHOWN} of {result.rows.length} rows.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
