// Events per hour of one identity across its analysed span, drawn over its baseline band (median–p95 of the same hour slot)
// with the detection window shaded; UTC axes; a summary for screen readers and the numbers in a table one click away.
import { AxisBottom, AxisLeft } from '@visx/axis';
import { curveStepAfter } from '@visx/curve';
import { Group } from '@visx/group';
import { scaleLinear, scaleUtc } from '@visx/scale';
import { Area, AreaClosed } from '@visx/shape';
import { useMemo, useState } from 'react';
import type { HourCount, HourlyActivity } from '../../investigate/identity';
import { formatRate, utcMinute, utcTick } from './utc';

const WIDTH = 1100;
const HEIGHT = 240;
const MARGIN = { top: 14, right: 14, bottom: 30, left: 48 };
const INNER_W = WIDTH - MARGIN.left - MARGIN.right;
const INNER_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Rows of the numbers table (hours with activity); the rest is one SQL query away. */
const TABLE_ROWS = 500;
const HOUR_MS = 3_600_000;
/** The close-up: the detection window and the week before it, where hourly steps are wide enough to read. */
const CLOSE_UP_DAYS = 14;

interface Point {
  t: number;
  count: number;
  median: number | null;
  p95: number | null;
}

const ms = (iso: string) => Date.parse(iso);

/** The sentence a screen reader hears for the chart (also the chart's title). */
export function hourlySummary(name: string, hours: readonly HourCount[]): string {
  const days = Math.round(hours.length / 24);
  let total = 0;
  let peak: HourCount | null = null;
  for (const h of hours) {
    total += h.count;
    if (h.count > 0 && (!peak || h.count > peak.count)) peak = h;
  }
  const peakText = peak ? `peak ${formatRate(peak.count)} events at ${utcMinute(peak.hour)} UTC` : 'no events';
  return (
    `Hourly activity of ${name}, ${days} day${days === 1 ? '' : 's'}; ${formatRate(total)} events; ` +
    `detection window shaded; baseline band from median to 95th percentile of the same hour; ${peakText}`
  );
}

function periodOf(hour: HourCount, activity: HourlyActivity): string {
  const t = ms(hour.hour);
  return t + HOUR_MS > ms(activity.windows.detectionStart) ? 'detection' : 'baseline';
}

export function HourlyActivityChart({ name, activity }: { name: string; activity: HourlyActivity }) {
  const { windows } = activity;
  const [closeUp, setCloseUp] = useState(false);
  const spanDays = Math.round(activity.hours.length / 24);
  const canCloseUp = spanDays > CLOSE_UP_DAYS;
  const hours = useMemo(() => {
    if (!closeUp || !canCloseUp) return activity.hours;
    // Whole UTC days ending with as-of's day, so the axis starts at midnight.
    const day = 24 * HOUR_MS;
    const from = Math.floor(Date.parse(windows.asOf) / day) * day - (CLOSE_UP_DAYS - 1) * day;
    return activity.hours.filter((h) => ms(h.hour) >= from);
  }, [activity.hours, closeUp, canCloseUp, windows.asOf]);
  const model = useMemo(() => {
    if (hours.length === 0) return null;
    const points: Point[] = hours.map((h) => ({ t: ms(h.hour), count: h.count, median: h.baselineMedian, p95: h.baselineP95 }));
    // A closing point one hour after the last, so the last hour's step has its width.
    const last = points[points.length - 1]!;
    points.push({ ...last, t: last.t + HOUR_MS });
    const start = points[0]!.t;
    const end = last.t + HOUR_MS;
    let yMax = 1;
    for (const p of points) yMax = Math.max(yMax, p.count, p.p95 ?? 0);
    const x = scaleUtc<number>({ domain: [new Date(start), new Date(end)], range: [0, INNER_W] });
    const y = scaleLinear<number>({ domain: [0, yMax], range: [INNER_H, 0], nice: true });
    const clampX = (t: number) => x(new Date(Math.min(end, Math.max(start, t))));
    const detection = { x0: clampX(ms(windows.detectionStart)), x1: clampX(ms(windows.asOf)) };
    const changes = activity.changeWindows
      .map((c) => ({ id: c.changeId, x0: clampX(ms(c.startsAt)), x1: clampX(ms(c.endsAt)) }))
      .filter((c) => c.x1 > c.x0);
    return { points, x, y, detection, changes };
  }, [hours, windows, activity.changeWindows]);

  if (!model) {
    return <p className="empty">No events of this identity in the baseline or the detection window, so there is no timeline to draw.</p>;
  }
  const { points, x, y, detection, changes } = model;
  const summary = hourlySummary(name, hours);
  const active = hours.filter((h) => h.count > 0);
  return (
    <figure className="chart">
      {canCloseUp && (
        <div className="chart-controls" role="group" aria-label="Time span">
          <button type="button" aria-pressed={!closeUp} onClick={() => setCloseUp(false)}>
            All {spanDays} days
          </button>
          <button type="button" aria-pressed={closeUp} onClick={() => setCloseUp(true)}>
            Last {CLOSE_UP_DAYS} days
          </button>
        </div>
      )}
      <svg className="chart-svg" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        <title>{summary}</title>
        <Group left={MARGIN.left} top={MARGIN.top}>
          {changes.map((c) => (
            <rect key={c.id} className="chart-change" x={c.x0} y={0} width={c.x1 - c.x0} height={INNER_H} />
          ))}
          <rect className="chart-detection" x={detection.x0} y={0} width={Math.max(0, detection.x1 - detection.x0)} height={INNER_H} />
          <text className="chart-note" x={detection.x0 + 4} y={10}>
            detection window
          </text>
          <AreaClosed<Point>
            className="chart-count"
            data={points}
            curve={curveStepAfter}
            yScale={y}
            x={(p) => x(new Date(p.t))}
            y={(p) => y(p.count)}
          />
          {/* The band goes over the counts, translucent: what rises out of it is what the baseline does not explain. */}
          <Area<Point>
            className="chart-band"
            data={points}
            curve={curveStepAfter}
            defined={(p) => p.median !== null && p.p95 !== null}
            x={(p) => x(new Date(p.t))}
            y0={(p) => y(p.median ?? 0)}
            y1={(p) => y(p.p95 ?? 0)}
          />
          <AxisLeft scale={y} numTicks={4} axisClassName="chart-axis" tickFormat={(v) => formatRate(Number(v))} />
          <AxisBottom
            scale={x}
            top={INNER_H}
            numTicks={8}
            axisClassName="chart-axis"
            tickFormat={(v) => utcTick(v instanceof Date ? v : new Date(Number(v)))}
          />
        </Group>
      </svg>
      <figcaption>
        <ul className="chart-legend" aria-label="Legend">
          <li>
            <span className="swatch swatch-count" aria-hidden="true" /> events per hour
          </li>
          <li>
            <span className="swatch swatch-band" aria-hidden="true" /> baseline band: median to 95th percentile of the same hour of day
            (weekdays and weekends apart) on the identity's active baseline days
          </li>
          <li>
            <span className="swatch swatch-detection" aria-hidden="true" /> detection window, {utcMinute(windows.detectionStart)} to{' '}
            {utcMinute(windows.asOf)} UTC
          </li>
          {changes.length > 0 && (
            <li>
              <span className="swatch swatch-change" aria-hidden="true" /> change windows ({changes.map((c) => c.id).join(', ')})
            </li>
          )}
        </ul>
        <p className="note">
          Times are UTC; one step per hour. Baseline from {utcMinute(windows.baselineStart)} UTC.
          {activity.eventsOutside > 0 && ` ${formatRate(activity.eventsOutside)} events fall outside these windows and are not drawn.`}
        </p>
        <details>
          <summary>Numbers: {formatRate(active.length)} hours with activity</summary>
          <table className="grid compact" aria-label={`Hourly activity of ${name}`}>
            <thead>
              <tr>
                <th scope="col">Hour (UTC)</th>
                <th scope="col">Events</th>
                <th scope="col">Baseline median</th>
                <th scope="col">Baseline p95</th>
                <th scope="col">Window</th>
              </tr>
            </thead>
            <tbody>
              {active.slice(0, TABLE_ROWS).map((h) => (
                <tr key={h.hour}>
                  <td>{utcMinute(h.hour)}</td>
                  <td className="num">{formatRate(h.count)}</td>
                  <td className="num">{formatRate(h.baselineMedian)}</td>
                  <td className="num">{formatRate(h.baselineP95)}</td>
                  <td>{periodOf(h, activity)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {active.length > TABLE_ROWS && (
            <p className="note">The first {TABLE_ROWS} hours are listed; open the identity's events in the SQL console for the rest.</p>
          )}
        </details>
      </figcaption>
    </figure>
  );
}
