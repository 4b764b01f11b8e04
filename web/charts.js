// The page's charts, drawn by uPlot (served from the installed package, no CDN).
// - ValuePlot: a standard's deviation from nominal, the reference model's prediction with its
//   k·u band, and the lab's own drift fit over the current fit segment.
// - EnvPlot: one environment quantity with the protocol window shaded.
// Both keep at most MAX_POINTS readings and redraw at most once per animation frame. Each sets
// `data-points` on its container to the number of readings it shows (the browser test reads it).
import uPlot from '/ui/vendor/uPlot.esm.js';
import { deviationScale, grouped } from './format.js';

const MAX_POINTS = 20000;
const DAY_S = 86400;
const sync = uPlot.sync('travelgate');

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function axisFont() {
  return `12px ${css('--font-ui') || 'system-ui, sans-serif'}`;
}

function timeAxis() {
  return {
    space: 90,
    // Whole seconds at least: readings are time-stamped to the millisecond, but a tick label
    // shows seconds, so finer ticks would repeat the same label.
    incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800],
    font: axisFont(),
    stroke: css('--fg-muted'),
    grid: { stroke: css('--grid'), width: 1 },
    ticks: { stroke: css('--grid') },
    values: [
      // tick spacing (s), format at that spacing (UTC)
      [3600 * 24, '{YYYY}-{MM}-{DD}', null, null, null, null, null, null, 1],
      [3600, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
      [60, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
      [1, '{HH}:{mm}:{ss}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
    ],
  };
}

function valueAxis(label, decimals) {
  return {
    label,
    labelFont: axisFont(),
    font: axisFont(),
    stroke: css('--fg-muted'),
    grid: { stroke: css('--grid'), width: 1 },
    ticks: { stroke: css('--grid') },
    size: 64,
    values: (_u, ticks) => ticks.map((v) => grouped(v, decimals)),
  };
}

/** Shared base: series buffers, a throttled redraw and a size that follows the container. */
class Plot {
  constructor(container) {
    this.container = container;
    this.x = [];
    this.y = [];
    this.pending = false;
    this.u = null;
    new ResizeObserver(() => this.u && this.u.setSize(this.size())).observe(container);
  }

  size() {
    return { width: Math.max(300, this.container.clientWidth), height: this.height };
  }

  setReadings(points) {
    const sorted = points.filter((p) => p.value !== null).sort((a, b) => a.t - b.t).slice(-MAX_POINTS);
    this.x = sorted.map((p) => p.t / 1000);
    this.y = sorted.map((p) => p.value);
    this.schedule();
  }

  add(t, value) {
    if (value === null || value === undefined) return;
    const ts = t / 1000;
    if (this.x.length && ts < this.x[this.x.length - 1]) return; // replays and duplicates
    this.x.push(ts);
    this.y.push(value);
    if (this.x.length > MAX_POINTS) {
      this.x.splice(0, this.x.length - MAX_POINTS);
      this.y.splice(0, this.y.length - MAX_POINTS);
    }
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.u.setData(this.data());
      this.container.dataset.points = String(this.x.length);
    });
  }
}

export class ValuePlot extends Plot {
  /** `unit`, `nominal`: the standard's; the plot shows (value − nominal) in µV (µΩ, mK). */
  constructor(container, { unit, nominal, withModel = true }) {
    super(container);
    this.height = 300;
    this.nominal = nominal;
    this.withModel = withModel;
    this.scale = deviationScale(unit);
    this.model = null;
    this.fit = null;
    const dec = 2;
    const fmt = (v) => (v === null || v === undefined ? '—' : `${grouped(v, dec)} ${this.scale.unit}`);
    const opts = {
      ...this.size(),
      cursor: { sync: { key: sync.key }, drag: { x: true, y: false } },
      legend: { live: true },
      // The y range follows the readings, the reference line and the fit, not the k·u band: the
      // band is often much wider than the scatter, which would then be invisible.
      scales: { x: { time: true }, y: { range: (u) => this.yRange(u) } },
      axes: [timeAxis(), valueAxis(`deviation from ${nominal} ${unit} / ${this.scale.unit}`, 2)],
      series: [
        { label: 'time (UTC)', value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toISOString().slice(11, 19)) },
        {
          label: withModel ? 'reading (as measured)' : 'reading',
          stroke: css('--series-reading'),
          width: 0,
          paths: () => null,
          points: { show: true, size: 4, stroke: css('--series-reading'), fill: css('--series-reading') },
          value: (_u, v) => fmt(v),
        },
        ...(withModel
          ? [
              { label: 'reference ŷ_ref', stroke: css('--series-ref'), width: 1.5, dash: [6, 4], points: { show: false }, value: (_u, v) => fmt(v) },
              { label: 'ŷ_ref + k·u', stroke: css('--series-ref-band'), width: 1, points: { show: false }, value: (_u, v) => fmt(v) },
              { label: 'ŷ_ref − k·u', stroke: css('--series-ref-band'), width: 1, points: { show: false }, value: (_u, v) => fmt(v) },
              { label: 'lab drift fit', stroke: css('--series-fit'), width: 2, points: { show: false }, value: (_u, v) => fmt(v) },
            ]
          : []),
      ],
      bands: withModel ? [{ series: [3, 4], fill: css('--band-ref') }] : [],
    };
    this.u = new uPlot(opts, this.data(), container);
    sync.sub(this.u);
  }

  yRange(u) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of this.withModel ? [1, 2, 5] : [1]) {
      for (const v of u.data[i] ?? []) {
        if (v === null || v === undefined) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!Number.isFinite(lo)) return [-1, 1];
    const pad = Math.max((hi - lo) * 0.15, 0.05);
    return [lo - pad, hi + pad];
  }

  /** The reference model {t0, x0 (a value), uX0, driftPerDay, uDriftPerDay, uTransport} and k. */
  setModel(reference, k) {
    this.model = reference
      ? { t0: Date.parse(reference.t0) / 1000, x0: reference.x0, uX0: reference.uX0, b: reference.driftPerDay, uB: reference.uDriftPerDay, uT: reference.uTransport ?? 0, k }
      : null;
    this.schedule();
  }

  /** The lab's fit: the line through `atLastReading` with `slopePerDay`, over the current segment. */
  setFit(drift) {
    const at = drift?.atLastReading;
    this.fit =
      at && drift.slopePerDay !== null
        ? { t: Date.parse(at.time) / 1000, y: at.value - this.nominal, b: drift.slopePerDay, from: drift.segmentStart ? Date.parse(drift.segmentStart) / 1000 : -Infinity }
        : null;
    this.schedule();
  }

  data() {
    const f = this.scale.factor;
    const y = this.y.map((v) => (v - this.nominal) * f);
    if (!this.withModel) return [this.x, y];
    const m = this.model;
    const ref = [];
    const hi = [];
    const lo = [];
    const fit = [];
    for (const x of this.x) {
      if (m) {
        const dt = (x - m.t0) / DAY_S;
        const c = m.x0 - this.nominal + m.b * dt; // x0 is a value; the plot shows deviations
        const u = Math.sqrt(m.uX0 ** 2 + (dt * m.uB) ** 2 + m.uT ** 2);
        ref.push(c * f);
        hi.push((c + m.k * u) * f);
        lo.push((c - m.k * u) * f);
      } else {
        ref.push(null);
        hi.push(null);
        lo.push(null);
      }
      fit.push(this.fit && x >= this.fit.from ? (this.fit.y + (this.fit.b * (x - this.fit.t)) / DAY_S) * f : null);
    }
    return [this.x, y, ref, hi, lo, fit];
  }
}

export class EnvPlot extends Plot {
  /** `window`: {min?, max?} of the protocol, shaded; `decimals` for the axis. */
  constructor(container, { label, unit, window, decimals, color }) {
    super(container);
    this.height = 130;
    this.window = window ?? null;
    const shade = css('--band-window');
    const edge = css('--band-window-edge');
    const opts = {
      ...this.size(),
      cursor: { sync: { key: sync.key }, drag: { x: true, y: false } },
      legend: { live: true },
      scales: {
        x: { time: true },
        y: {
          range: (_u, min, max) => {
            const w = this.window;
            let lo = Number.isFinite(min) ? min : (w?.min ?? 0);
            let hi = Number.isFinite(max) ? max : (w?.max ?? 1);
            if (w?.min !== undefined) lo = Math.min(lo, w.min);
            if (w?.max !== undefined) hi = Math.max(hi, w.max);
            const pad = Math.max((hi - lo) * 0.08, 10 ** -decimals);
            return [lo - pad, hi + pad];
          },
        },
      },
      axes: [timeAxis(), valueAxis(`${label} / ${unit}`, decimals)],
      series: [
        { label: 'time (UTC)', value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toISOString().slice(11, 19)) },
        { label, stroke: color, width: 1.5, points: { show: false }, value: (_u, v) => (v === null ? '—' : `${grouped(v, decimals)} ${unit}`) },
      ],
      hooks: {
        drawClear: [
          (u) => {
            const w = this.window;
            if (!w || (w.min === undefined && w.max === undefined)) return;
            const { left, top, width, height } = u.bbox;
            const yTop = w.max === undefined ? top : u.valToPos(w.max, 'y', true);
            const yBottom = w.min === undefined ? top + height : u.valToPos(w.min, 'y', true);
            const ctx = u.ctx;
            ctx.save();
            ctx.fillStyle = shade;
            ctx.fillRect(left, Math.max(top, yTop), width, Math.min(top + height, yBottom) - Math.max(top, yTop));
            ctx.strokeStyle = edge;
            ctx.setLineDash([4, 4]);
            ctx.lineWidth = 1;
            for (const yy of [w.max === undefined ? null : yTop, w.min === undefined ? null : yBottom]) {
              if (yy === null || yy < top || yy > top + height) continue;
              ctx.beginPath();
              ctx.moveTo(left, yy);
              ctx.lineTo(left + width, yy);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    };
    this.u = new uPlot(opts, this.data(), container);
    sync.sub(this.u);
  }

  data() {
    return [this.x, this.y];
  }
}

