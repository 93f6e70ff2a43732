"use client";

import { formatCount } from "../lib/format.ts";
import { chartSeries, type MinuteBucket, type SeriesKey } from "../lib/traffic.ts";

export { bucketsFromStats } from "../lib/traffic.ts";

const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
const width = 720;
const height = 200;
const pad = { left: 36, right: 8, top: 10, bottom: 22 };

/** Requests per minute by decision as stacked bars (hand-drawn SVG, no chart library). */
export function TrafficChart({ buckets }: { buckets: MinuteBucket[] }) {
  const totals = buckets.map((b) => chartSeries.reduce((s, x) => s + b.counts[x.key], 0));
  const max = Math.max(1, ...totals);
  const niceMax = niceCeil(max);
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const barW = innerW / Math.max(1, buckets.length);
  const y = (v: number) => pad.top + innerH - (v / niceMax) * innerH;
  const sum = (key: SeriesKey) => buckets.reduce((s, b) => s + b.counts[key], 0);
  const summary = chartSeries.map((s) => `${formatCount(sum(s.key))} ${s.label.toLowerCase()}`).join(", ");
  const ticks = [0, niceMax / 2, niceMax];
  return (
    <figure style={{ margin: 0 }}>
      <svg
        className="chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Requests per minute over the last ${buckets.length} minutes: ${summary}`}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line
              className="axis"
              x1={pad.left}
              x2={width - pad.right}
              y1={y(t)}
              y2={y(t)}
              strokeDasharray={t === 0 ? undefined : "3 4"}
            />
            <text x={pad.left - 6} y={y(t) + 3} textAnchor="end">
              {formatCount(t)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          let acc = 0;
          const x = pad.left + i * barW + 1;
          return (
            <g key={b.startMs}>
              <title>
                {`${clock.format(b.startMs)}: ${chartSeries
                  .map((s) => `${b.counts[s.key]} ${s.label.toLowerCase()}`)
                  .join(", ")}`}
              </title>
              {chartSeries.map((s) => {
                const v = b.counts[s.key];
                if (v === 0) return null;
                const top = y(acc + v);
                const h = y(acc) - top;
                acc += v;
                return (
                  <rect
                    key={s.key}
                    x={x}
                    y={top}
                    width={Math.max(1, barW - 2)}
                    height={h}
                    fill={s.color}
                    rx={1.5}
                  />
                );
              })}
            </g>
          );
        })}
        {buckets.map((b, i) =>
          i % 10 === 0 || i === buckets.length - 1 ? (
            <text
              key={`l${b.startMs}`}
              x={i === buckets.length - 1 ? width - pad.right : pad.left + i * barW + barW / 2}
              y={height - 6}
              textAnchor={i === buckets.length - 1 ? "end" : "middle"}
            >
              {clock.format(b.startMs)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption className="legend">
        {chartSeries.map((s) => (
          <span key={s.key} style={{ ["--swatch" as string]: s.color }}>
            {s.label} {formatCount(sum(s.key))}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function niceCeil(v: number): number {
  if (v <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
