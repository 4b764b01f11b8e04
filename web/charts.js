// The page's charts, drawn by uPlot (served from the installed package, no CDN).
// - ValuePlot: a standard's deviation from nominal. Each reading is drawn by what the checks made
//   of it (verified: filled, not verified: hollow, flagged: orange), with the pilot's reference
//   model ŷ_ref and its k·u band, and the lab's own drift fit over the current fit segment. Long
//   ranges come downsampled from the server: a point per bucket (its mean) and the bucket's
//   min–max shaded.
// - EnvPlot: one environment quantity with the protocol window shaded.
// - AdevPlot: the overlapping Allan deviation σ_y(τ) of the measurand, log–log.
// Each keeps at most MAX_POINTS points and redraws at most once per animation frame, and sets
// `data-points` on its container to the number of points it shows (the browser test reads it).
import uPlot from '/ui/vendor/uPlot.esm.js';
import { deviationScale, grouped, sig } from './format.js';

const MAX_POINTS = 20000;
const DAY_S = 86400;
/** The k·u band is drawn to scale while it is at most this many times the readings' spread. */
const BAND_FACTOR = 20;
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

const timeSeries = { label: 'time (UTC)', value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toISOString().replace('T', ' ').slice(0, 19)) };

/** What the checks made of a reading: 'v' verified, 'f' flagged (not verified, a quality flag), 'u' not verified. */
export function categoryOf(reading) {
  if (reading.verified === true) return 'v';
  return (reading.flags?.length ?? 0) > 0 ? 'f' : 'u';
}

/** A history item (server bucket or single reading) as a plot point. */
export function pointOf(item) {
  const cat = item.verified === item.n ? 'v' : item.flagged > 0 ? 'f' : item.verified > 0 ? 'v' : 'u';
  return { t: Date.parse(item.time), value: item.mean, min: item.n > 1 ? item.min : null, max: item.n > 1 ? item.max : null, cat, n: item.n };
}

/** Shared base: points, a throttled redraw and a size that follows the container. */
class Plot {
  constructor(container) {
    this.container = container;
    this.points = [];
    this.pending = false;
    this.u = null;
    new ResizeObserver(() => this.u && this.u.setSize(this.size())).observe(container);
  }

  size() {
    return { width: Math.max(300, this.container.clientWidth), height: this.height };
  }

  /** Points {t (ms), value, cat?, min?, max?}, any order. */
  setPoints(points) {
    this.points = points.filter((p) => p.value !== null && p.value !== undefined).sort((a, b) => a.t - b.t).slice(-MAX_POINTS);
    // The min–max series are in the legend only when the gateway sent buckets (style.css).
    this.container.classList.toggle('has-buckets', this.points.some((p) => p.min !== null && p.min !== undefined));
    this.schedule();
  }

  add(t, value, cat = 'u') {
    if (value === null || value === undefined) return;
    const last = this.points[this.points.length - 1];
    if (last && t <= last.t) return; // replays and duplicates
    this.points.push({ t, value, cat, min: null, max: null });
    if (this.points.length > MAX_POINTS) this.points.splice(0, this.points.length - MAX_POINTS);
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.u.setData(this.data());
      this.container.dataset.points = String(this.points.length);
    });
  }
}

export class ValuePlot extends Plot {
  /** `unit`, `nominal`: the standard's; the plot shows (value − nominal) in µV (µΩ, mK). */
  constructor(container, { unit, nominal, withModel = true }) {
    super(container);
    this.height = 320;
    this.nominal = nominal;
    this.withModel = withModel;
    this.scale = deviationScale(unit);
    this.model = null;
    this.fit = null;
    /** 'auto': the band to scale unless it dwarfs the readings; 'band': always; 'readings': never. */
    this.yMode = 'auto';
    this.bandOffScale = null;
    const fmt = (v) => (v === null || v === undefined ? '—' : `${grouped(v, 3)} ${this.scale.unit}`);
    const dot = (color, fill, size = 5) => ({ show: true, size, stroke: color, fill, width: 1.5 });
    const reading = css('--series-reading');
    const flagged = css('--series-flagged');
    const unverified = css('--series-unverified');
    const opts = {
      ...this.size(),
      cursor: { sync: { key: sync.key }, drag: { x: true, y: false } },
      legend: { live: true },
      scales: { x: { time: true }, y: { range: (u) => this.yRange(u) } },
      axes: [timeAxis(), valueAxis(`deviation from ${nominal} ${unit} / ${this.scale.unit}`, 3)],
      series: [
        timeSeries,
        { label: 'verified', stroke: reading, fill: reading, width: 0, paths: () => null, points: dot(reading, reading), value: (_u, v) => fmt(v) },
        { label: 'not verified', stroke: unverified, fill: '#ffffff', width: 0, paths: () => null, points: dot(unverified, '#ffffff'), value: (_u, v) => fmt(v) },
        { label: 'flagged', stroke: flagged, fill: flagged, width: 0, paths: () => null, points: dot(flagged, flagged, 6), value: (_u, v) => fmt(v) },
        { label: 'bucket min', stroke: css('--band-minmax-edge'), width: 0.5, points: { show: false }, value: (_u, v) => fmt(v) },
        { label: 'bucket max', stroke: css('--band-minmax-edge'), width: 0.5, points: { show: false }, value: (_u, v) => fmt(v) },
        ...(withModel
          ? [
              { label: 'reference ŷ_ref', stroke: css('--series-ref'), width: 1.5, dash: [6, 4], points: { show: false }, value: (_u, v) => fmt(v) },
              { label: 'ŷ_ref + k·u', stroke: css('--series-ref-band'), width: 1, points: { show: false }, value: (_u, v) => fmt(v) },
              { label: 'ŷ_ref − k·u', stroke: css('--series-ref-band'), width: 1, points: { show: false }, value: (_u, v) => fmt(v) },
              { label: 'lab drift fit', stroke: css('--series-fit'), width: 2, points: { show: false }, value: (_u, v) => fmt(v) },
            ]
          : []),
      ],
      bands: [{ series: [5, 4], fill: css('--band-minmax') }, ...(withModel ? [{ series: [7, 8], fill: css('--band-ref') }] : [])],
      hooks: { draw: [(u) => this.drawNote(u)] },
    };
    this.u = new uPlot(opts, this.data(), container);
    sync.sub(this.u);
  }

  setYMode(mode) {
    this.yMode = mode;
    this.u.redraw(true, true);
    this.schedule();
  }

  static spread(u, indices) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of indices) {
      for (const v of u.data[i] ?? []) {
        if (v === null || v === undefined) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return [lo, hi];
  }

  /** The readings (and bucket min/max), the reference line and the fit always; the k·u band when
   *  it fits (mode 'auto': at most BAND_FACTOR times the readings' spread). */
  yRange(u) {
    const core = this.withModel ? [1, 2, 3, 4, 5, 6, 9] : [1, 2, 3, 4, 5];
    let [lo, hi] = ValuePlot.spread(u, core);
    this.bandOffScale = null;
    if (this.withModel) {
      const [blo, bhi] = ValuePlot.spread(u, [7, 8]);
      if (Number.isFinite(blo)) {
        const data = Number.isFinite(lo) ? Math.max(hi - lo, 1e-9) : 0;
        const include = this.yMode === 'band' || (this.yMode === 'auto' && (data === 0 || bhi - blo <= BAND_FACTOR * data));
        if (include) {
          lo = Math.min(lo, blo);
          hi = Math.max(hi, bhi);
        } else {
          this.bandOffScale = (bhi - blo) / 2;
        }
      }
    }
    if (!Number.isFinite(lo)) return [-1, 1];
    const pad = Math.max((hi - lo) * 0.08, 0.005);
    return [lo - pad, hi + pad];
  }

  /** Says on the plot when the k·u band is wider than what it shows. */
  drawNote(u) {
    if (this.bandOffScale === null) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.font = `${Math.round(12 * devicePixelRatio)}px ${css('--font-ui') || 'sans-serif'}`;
    ctx.fillStyle = css('--fg-muted');
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(
      `shaded: the k·u band, ±${sig(this.bandOffScale, 3)} ${this.scale.unit}, far wider than the readings (choose "with the k·u band" to see its edges)`,
      u.bbox.left + 8 * devicePixelRatio,
      u.bbox.top + 6 * devicePixelRatio,
    );
    ctx.restore();
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
    const x = [];
    const cols = [[], [], [], [], []]; // verified, not verified, flagged, min, max
    for (const p of this.points) {
      x.push(p.t / 1000);
      const y = (p.value - this.nominal) * f;
      cols[0].push(p.cat === 'v' ? y : null);
      cols[1].push(p.cat === 'u' ? y : null);
      cols[2].push(p.cat === 'f' ? y : null);
      cols[3].push(p.min === null || p.min === undefined ? null : (p.min - this.nominal) * f);
      cols[4].push(p.max === null || p.max === undefined ? null : (p.max - this.nominal) * f);
    }
    if (!this.withModel) return [x, ...cols];
    const m = this.model;
    const ref = [];
    const hi = [];
    const lo = [];
    const fit = [];
    for (const t of x) {
      if (m) {
        const dt = (t - m.t0) / DAY_S;
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
      fit.push(this.fit && t >= this.fit.from ? (this.fit.y + (this.fit.b * (t - this.fit.t)) / DAY_S) * f : null);
    }
    return [x, ...cols, ref, hi, lo, fit];
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
    const fmt = (v) => (v === null ? '—' : `${grouped(v, decimals)} ${unit}`);
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
        timeSeries,
        { label, stroke: color, width: 1.5, points: { show: false }, value: (_u, v) => fmt(v) },
        { label: 'min', stroke: css('--band-minmax-edge'), width: 0.5, points: { show: false }, value: (_u, v) => fmt(v) },
        { label: 'max', stroke: css('--band-minmax-edge'), width: 0.5, points: { show: false }, value: (_u, v) => fmt(v) },
      ],
      bands: [{ series: [3, 2], fill: css('--band-minmax') }],
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
    return [
      this.points.map((p) => p.t / 1000),
      this.points.map((p) => p.value),
      this.points.map((p) => p.min ?? null),
      this.points.map((p) => p.max ?? null),
    ];
  }
}

/** σ_y(τ) of the measurand, log–log: where white noise (slope −½) turns into the flicker floor. */
export class AdevPlot {
  constructor(container) {
    this.container = container;
    this.height = 220;
    const opts = {
      width: Math.max(300, container.clientWidth),
      height: this.height,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      axes: [
        { label: 'averaging time τ / s', labelFont: axisFont(), font: axisFont(), stroke: css('--fg-muted'), grid: { stroke: css('--grid') }, values: (_u, t) => t.map((v) => (v === null || v === undefined ? '' : sig(v, 2))) },
        { label: 'σ_y(τ) (relative)', labelFont: axisFont(), font: axisFont(), stroke: css('--fg-muted'), grid: { stroke: css('--grid') }, size: 70, values: (_u, t) => t.map((v) => (v === null || v === undefined ? '' : v.toExponential(0))) },
      ],
      series: [
        { label: 'τ', value: (_u, v) => (v === null ? '—' : `${sig(v, 3)} s`) },
        { label: 'overlapping Allan deviation', stroke: css('--series-reading'), width: 1.5, points: { show: true, size: 5, fill: css('--series-reading') }, value: (_u, v) => (v === null ? '—' : v.toExponential(2)) },
      ],
    };
    this.u = new uPlot(opts, [[], []], container);
    new ResizeObserver(() => this.u.setSize({ width: Math.max(300, container.clientWidth), height: this.height })).observe(container);
  }

  /** `points`: [{tau, adev}] from /api/v1/channels/…/adev. */
  set(points) {
    const ok = points.filter((p) => p.tau > 0 && p.adev > 0);
    // A log scale needs a range: without points, keep the axes on a decade.
    this.u.setData(ok.length ? [ok.map((p) => p.tau), ok.map((p) => p.adev)] : [[], []]);
    this.container.dataset.points = String(ok.length);
  }
}
