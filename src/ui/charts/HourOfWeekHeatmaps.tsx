// Hour-of-week heatmaps (7 days × 24 hours, UTC) of one identity, baseline and detection window side by side on one shared
// scale (events per week), with the usual slots outlined in the baseline and unusual activity outlined in the detection window.
import { Group } from '@visx/group';
import { HeatmapRect } from '@visx/heatmap';
import { scaleSqrt } from '@visx/scale';
import { useMemo } from 'react';
import type { HourOfWeekCell, HourOfWeekProfile } from '../../investigate/identity';
import { formatRate, slotLabel, WEEKDAY_NAMES } from './utc';

const WIDTH = 560;
const MARGIN = { top: 18, right: 6, bottom: 4, left: 36 };
const CELL_W = (WIDTH - MARGIN.left - MARGIN.right) / 24;
const CELL_H = 20;
const HEIGHT = MARGIN.top + 7 * CELL_H + MARGIN.bottom;
const HOUR_TICKS = [0, 3, 6, 9, 12, 15, 18, 21];

type Side = 'baseline' | 'detection';

interface Column {
  hour: number;
  bins: HourOfWeekCell[];
}

const valueOf = (cell: HourOfWeekCell, side: Side) => (side === 'baseline' ? cell.baselinePerWeek : cell.detectionPerWeek) ?? 0;
const eventsOf = (cell: HourOfWeekCell, side: Side) => (side === 'baseline' ? cell.baselineEvents : cell.detectionEvents);

function weeksText(weeks: number): string {
  const days = Math.round(weeks * 7);
  return weeks >= 2 ? `${formatRate(Math.round(weeks * 10) / 10)} weeks` : `${days} day${days === 1 ? '' : 's'}`;
}

/** The sentence a screen reader hears for one of the two maps. */
export function heatmapSummary(name: string, profile: HourOfWeekProfile, side: Side): string {
  const active = profile.cells.filter((c) => eventsOf(c, side) > 0);
  const busiest = active.reduce<HourOfWeekCell | null>((best, c) => (!best || valueOf(c, side) > valueOf(best, side) ? c : best), null);
  const busiestText = busiest
    ? `busiest ${slotLabel(busiest.hourOfWeek)} UTC with ${formatRate(Math.round(valueOf(busiest, side) * 100) / 100)} events per week`
    : 'no activity';
  if (side === 'baseline') {
    return `Hour-of-week profile of ${name} in the baseline (${weeksText(profile.baselineWeeks)}): active in ${active.length} of 168 hourly slots; ${busiestText}`;
  }
  const unusual = active.filter((c) => !c.usual).length;
  return (
    `Hour-of-week profile of ${name} in the detection window (${weeksText(profile.detectionWeeks)}): active in ${active.length} of 168 hourly slots, ` +
    `${unusual} of them outside the usual slots; ${busiestText}`
  );
}

function Heatmap({ profile, side, name, opacity }: { profile: HourOfWeekProfile; side: Side; name: string; opacity: (v: number) => number }) {
  const columns = useMemo<Column[]>(
    () => Array.from({ length: 24 }, (_, hour) => ({ hour, bins: Array.from({ length: 7 }, (_, day) => profile.cells[day * 24 + hour]!) })),
    [profile.cells],
  );
  const summary = heatmapSummary(name, profile, side);
  return (
    <svg className="chart-svg heatmap" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
      <title>{summary}</title>
      <Group left={MARGIN.left} top={MARGIN.top}>
        {HOUR_TICKS.map((h) => (
          <text key={h} className="chart-tick" x={h * CELL_W + 1} y={-5}>
            {String(h).padStart(2, '0')}
          </text>
        ))}
        {WEEKDAY_NAMES.map((d, i) => (
          <text key={d} className="chart-tick" x={-6} y={i * CELL_H + CELL_H / 2 + 4} textAnchor="end">
            {d}
          </text>
        ))}
        <HeatmapRect<Column, HourOfWeekCell>
          data={columns}
          bins={(column) => column.bins}
          count={(cell) => valueOf(cell, side)}
          xScale={(i) => i * CELL_W}
          yScale={(j) => j * CELL_H}
          binWidth={CELL_W}
          binHeight={CELL_H}
          gap={2}
        >
          {(grid) =>
            grid.flat().map((c) => {
              const cell = c.bin;
              const value = valueOf(cell, side);
              const marked = side === 'baseline' ? cell.usual : value > 0 && !cell.usual;
              const classes = ['hm-cell', value > 0 ? 'hm-active' : 'hm-empty', marked ? (side === 'baseline' ? 'hm-usual' : 'hm-unusual') : ''];
              return (
                <rect
                  key={cell.hourOfWeek}
                  className={classes.join(' ').trim()}
                  x={c.x}
                  y={c.y}
                  width={c.width}
                  height={c.height}
                  fillOpacity={value > 0 ? opacity(value) : undefined}
                >
                  <title>
                    {`${slotLabel(cell.hourOfWeek)} UTC: ${formatRate(eventsOf(cell, side))} events` +
                      (side === 'baseline' ? ` on ${cell.baselineActiveDays} baseline days` : '') +
                      (cell.usual ? ' (usual slot)' : '')}
                  </title>
                </rect>
              );
            })
          }
        </HeatmapRect>
      </Group>
    </svg>
  );
}

export function HourOfWeekHeatmaps({ name, profile }: { name: string; profile: HourOfWeekProfile }) {
  const max = useMemo(() => profile.cells.reduce((m, c) => Math.max(m, valueOf(c, 'baseline'), valueOf(c, 'detection')), 0), [profile.cells]);
  // Square-root scale: a 700-event hour does not wash out the slots a job touches a few times a week.
  const opacity = useMemo(() => {
    const scale = scaleSqrt<number>({ domain: [0, Math.max(max, 1e-9)], range: [0.15, 1] });
    return (v: number) => scale(v);
  }, [max]);
  const legendValues = max > 0 ? [0.25, 0.5, 0.75, 1].map((f) => max * f) : [];
  const numbered = profile.cells.filter((c) => c.baselineEvents > 0 || c.detectionEvents > 0);
  const usualRule = profile.scheduleReadable
    ? `the declared schedule (${profile.schedule ?? ''})`
    : `slots active on at least ${profile.usualMinDays} baseline days`;
  return (
    <figure className="chart">
      <div className="heatmaps">
        <div>
          <h4>Baseline ({weeksText(profile.baselineWeeks)})</h4>
          <Heatmap profile={profile} side="baseline" name={name} opacity={opacity} />
        </div>
        <div>
          <h4>Detection window ({weeksText(profile.detectionWeeks)})</h4>
          <Heatmap profile={profile} side="detection" name={name} opacity={opacity} />
        </div>
      </div>
      <figcaption>
        <ul className="chart-legend" aria-label="Heatmap legend">
          <li>
            <span className="swatch hm-swatch-empty" aria-hidden="true" /> no events
          </li>
          {legendValues.map((v) => (
            <li key={v}>
              <span className="swatch hm-swatch" style={{ opacity: opacity(v) }} aria-hidden="true" /> {formatRate(Math.round(v * 100) / 100)} events
              per week
            </li>
          ))}
          <li>
            <span className="swatch hm-swatch-usual" aria-hidden="true" /> usual slot: {usualRule}
          </li>
          <li>
            <span className="swatch hm-swatch-unusual" aria-hidden="true" /> active in the detection window outside the usual slots
          </li>
        </ul>
        <p className="note">
          Rows are days, columns hours, in UTC (Monday 00:00 first). Both maps share one scale: events per week of the window, so a
          7-day detection window compares directly with the baseline's average week.
          {profile.schedule && !profile.scheduleReadable && ` The declared schedule "${profile.schedule}" could not be read${profile.scheduleProblems ? ` (${profile.scheduleProblems})` : ''}, so the learned slots apply.`}
        </p>
        <details>
          <summary>Numbers: {numbered.length} of 168 slots with activity</summary>
          <table className="grid compact" aria-label={`Hour-of-week profile of ${name}`}>
            <thead>
              <tr>
                <th scope="col">Slot (UTC)</th>
                <th scope="col">Baseline active days</th>
                <th scope="col">Baseline events</th>
                <th scope="col">Baseline per week</th>
                <th scope="col">Detection events</th>
                <th scope="col">Usual</th>
              </tr>
            </thead>
            <tbody>
              {numbered.map((c) => (
                <tr key={c.hourOfWeek}>
                  <td>{slotLabel(c.hourOfWeek)}</td>
                  <td className="num">{c.baselineActiveDays}</td>
                  <td className="num">{formatRate(c.baselineEvents)}</td>
                  <td className="num">{formatRate(c.baselinePerWeek === null ? null : Math.round(c.baselinePerWeek * 100) / 100)}</td>
                  <td className="num">{formatRate(c.detectionEvents)}</td>
                  <td>{c.usual ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}
