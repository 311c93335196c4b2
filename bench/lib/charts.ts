// Two SVG charts for bench/REPORT.md, written by hand from the run's numbers (no plotting
// dependency): the revocation-propagation latency distribution as CDFs, and each throughput
// figure beside its anchor on a log scale.

export interface CdfSeries {
  label: string;
  /** Quantiles at 1 %, 2 %, … 100 % (bench/lib/stats.ts `cdf`). */
  quantiles: readonly number[];
  color: string;
  dashed?: boolean;
}

export interface BarPair {
  label: string;
  value: number;
  anchorLabel: string;
  anchor: number;
  unit: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
}

/**
 * CDF of latency samples. The x axis ends past the largest p99 so the body of each distribution
 * is readable; the tail beyond it (the max) is in the report's table, and the chart says so.
 */
export function cdfChart(title: string, series: readonly CdfSeries[], note: string): string {
  const width = 760;
  const m = { left: 56, right: 20, top: 40, bottom: 62 + 16 * series.length + 14 };
  const height = 300 + m.top + m.bottom;
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const p99s = series.map((s) => s.quantiles[98] ?? s.quantiles.at(-1) ?? 0);
  const lows = series.map((s) => s.quantiles[0] ?? 0);
  const xMin = Math.min(0, ...lows);
  const xMaxRaw = Math.max(1, ...p99s) * 1.15;
  const step = niceStep(xMaxRaw - xMin, 8);
  const xMax = Math.ceil(xMaxRaw / step) * step;
  const x = (v: number) => m.left + ((Math.min(v, xMax) - xMin) / (xMax - xMin)) * plotW;
  const y = (p: number) => m.top + plotH - p * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${m.left}" y="22" font-size="15" font-weight="600" fill="#111">${esc(title)}</text>`);
  for (let v = Math.ceil(xMin / step) * step; v <= xMax + 1e-9; v += step) {
    parts.push(`<line x1="${x(v).toFixed(1)}" y1="${m.top}" x2="${x(v).toFixed(1)}" y2="${m.top + plotH}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x(v).toFixed(1)}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#374151">${Number(v.toPrecision(6))}</text>`);
  }
  for (const p of [0, 0.25, 0.5, 0.75, 0.9, 0.99]) {
    parts.push(`<line x1="${m.left}" y1="${y(p).toFixed(1)}" x2="${m.left + plotW}" y2="${y(p).toFixed(1)}" stroke="${p === 0.5 || p === 0.99 ? '#d1d5db' : '#f3f4f6'}"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(y(p) + 4).toFixed(1)}" text-anchor="end" fill="#374151">${p === 0.99 ? 'p99' : p === 0.5 ? 'p50' : `${Math.round(p * 100)} %`}</text>`);
  }
  parts.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 34}" text-anchor="middle" fill="#111">latency, ms (axis cut at ${Number(xMax.toPrecision(6))} ms)</text>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#9ca3af"/>`);
  series.forEach((s) => {
    // A step function through the quantiles: P(latency ≤ q_i) = i / 100.
    const points: string[] = [`${x(s.quantiles[0] ?? 0).toFixed(1)},${y(0).toFixed(1)}`];
    s.quantiles.forEach((q, i) => {
      points.push(`${x(q).toFixed(1)},${y(i / s.quantiles.length).toFixed(1)}`, `${x(q).toFixed(1)},${y((i + 1) / s.quantiles.length).toFixed(1)}`);
    });
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="6 4"' : ''} points="${points.join(' ')}"/>`);
  });
  series.forEach((s, k) => {
    const ly = m.top + plotH + 52 + k * 16;
    const p50 = s.quantiles[49] ?? Number.NaN;
    const p99 = s.quantiles[98] ?? Number.NaN;
    parts.push(`<line x1="${m.left}" y1="${ly - 4}" x2="${m.left + 24}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${m.left + 30}" y="${ly}" fill="#111">${esc(`${s.label} — p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${(s.quantiles.at(-1) ?? Number.NaN).toFixed(2)} ms`)}</text>`);
  });
  parts.push(`<text x="${m.left}" y="${height - 8}" fill="#6b7280" font-size="11">${esc(note)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Each figure's value beside its anchor, horizontal bars on a log scale (the figures span 10⁰–10⁶). */
export function barsChart(title: string, pairs: readonly BarPair[], note: string): string {
  const width = 960;
  const rowH = 46;
  const m = { left: 420, right: 170, top: 58, bottom: 40 };
  const height = m.top + m.bottom + pairs.length * rowH;
  const plotW = width - m.left - m.right;
  const all = pairs.flatMap((p) => [p.value, p.anchor]).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, 10)));
  const x = (v: number) => m.left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="16" y="22" font-size="15" font-weight="600" fill="#111">${esc(title)}</text>`);
  parts.push(`<rect x="16" y="34" width="12" height="10" fill="#2563eb"/><text x="32" y="43" fill="#111">Tessera</text>`);
  parts.push(`<rect x="96" y="34" width="12" height="10" fill="#9ca3af"/><text x="112" y="43" fill="#111">anchor, same run</text>`);
  for (let e = Math.log10(lo); e <= Math.log10(hi); e++) {
    const v = 10 ** e;
    parts.push(`<line x1="${x(v).toFixed(1)}" y1="${m.top - 6}" x2="${x(v).toFixed(1)}" y2="${height - m.bottom}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x(v).toFixed(1)}" y="${height - m.bottom + 14}" text-anchor="middle" fill="#374151">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
  }
  pairs.forEach((p, k) => {
    const top = m.top + k * rowH;
    parts.push(`<text x="${m.left - 8}" y="${top + 13}" text-anchor="end" fill="#111">${esc(p.label)}</text>`);
    parts.push(`<text x="${m.left - 8}" y="${top + 31}" text-anchor="end" fill="#6b7280" font-size="11">${esc(p.anchorLabel)}</text>`);
    parts.push(`<rect x="${m.left}" y="${top + 3}" width="${Math.max(1, x(p.value) - m.left).toFixed(1)}" height="14" fill="#2563eb"/>`);
    parts.push(`<rect x="${m.left}" y="${top + 21}" width="${Math.max(1, x(p.anchor) - m.left).toFixed(1)}" height="14" fill="#9ca3af"/>`);
    parts.push(`<text x="${(x(p.value) + 6).toFixed(1)}" y="${top + 14}" fill="#111">${fmt(p.value)} ${esc(p.unit)} (${(p.value / p.anchor).toFixed(2)}×)</text>`);
    parts.push(`<text x="${(x(p.anchor) + 6).toFixed(1)}" y="${top + 32}" fill="#6b7280">${fmt(p.anchor)}</text>`);
  });
  parts.push(`<text x="${width - 16}" y="${height - 8}" text-anchor="end" fill="#6b7280" font-size="11">${esc(note)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
