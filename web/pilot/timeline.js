// The pilot's timeline (uPlot, served by the receiver): every lab's verified readings as a
// deviation from nominal, the reference model ŷ_ref with its k·u band, and each lab's drift fit
// over its measuring period. Sets `data-points` on its container to the readings it shows.
import uPlot from '/ui/vendor/uPlot.esm.js';
import { deviationScale, grouped } from '/ui/format.js';

const COLORS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c', '#0e7490', '#4d7c0f', '#9d174d'];
const DAY_S = 86400;
const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export class TimelinePlot {
  constructor(container) {
    this.container = container;
    this.u = null;
    new ResizeObserver(() => this.u && this.u.setSize(this.size())).observe(container);
  }

  size() {
    return { width: Math.max(320, this.container.clientWidth), height: 340 };
  }

  /** `timeline`: the API's answer (series per lab, reference model, nominal, unit, k). */
  show(timeline, labs) {
    const scale = deviationScale(timeline.unit);
    const f = (v) => (v - timeline.nominal) * scale.factor;
    const xs = new Set();
    for (const s of timeline.series) {
      for (const p of s.points) xs.add(p.t / 1000);
      if (s.fit) {
        xs.add(s.fit.from / 1000);
        xs.add(s.fit.to / 1000);
      }
    }
    const sorted = [...xs].sort((a, b) => a - b);
    const index = new Map(sorted.map((x, i) => [x, i]));
    const empty = () => new Array(sorted.length).fill(null);
    const ref = timeline.reference;
    const t0 = Date.parse(ref.t0) / 1000;
    const model = empty();
    const hi = empty();
    const lo = empty();
    sorted.forEach((x, i) => {
      const dt = (x - t0) / DAY_S;
      const c = ref.x0 + ref.driftPerDay * dt;
      const u = Math.sqrt(ref.uX0 ** 2 + (dt * ref.uDriftPerDay) ** 2 + (ref.uTransport ?? 0) ** 2);
      model[i] = f(c);
      hi[i] = f(c + timeline.k * u);
      lo[i] = f(c - timeline.k * u);
    });
    const data = [sorted, model, hi, lo];
    const series = [
      { label: 'time (UTC)', value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toISOString().slice(0, 19).replace('T', ' ')) },
      { label: 'reference ŷ_ref', stroke: css('--series-ref'), width: 1.5, dash: [6, 4], points: { show: false } },
      { label: `ŷ_ref + ${timeline.k}u`, stroke: css('--series-ref-band'), width: 1, points: { show: false } },
      { label: `ŷ_ref − ${timeline.k}u`, stroke: css('--series-ref-band'), width: 1, points: { show: false } },
    ];
    let points = 0;
    timeline.series.forEach((s) => {
      const color = COLORS[labs.indexOf(s.lab) % COLORS.length] ?? COLORS[0];
      const y = empty();
      for (const p of s.points) y[index.get(p.t / 1000)] = f(p.value);
      points += s.points.reduce((n, p) => n + p.n, 0);
      data.push(y);
      series.push({ label: `${s.lab}${s.pilot ? ' (pilot)' : ''}`, stroke: color, width: 0, paths: () => null, points: { show: true, size: 4, stroke: color, fill: color }, value: (_u, v) => (v === null ? '—' : `${grouped(v, 3)} ${scale.unit}`) });
      const fit = empty();
      if (s.fit) {
        for (const t of [s.fit.from, s.fit.to]) fit[index.get(t / 1000)] = f(s.fit.value + (s.fit.slopePerDay * (t - s.fit.at)) / 86400000);
      }
      data.push(fit);
      series.push({ label: `${s.lab} fit`, stroke: color, width: 2, spanGaps: true, points: { show: false } });
    });
    const opts = {
      ...this.size(),
      scales: { x: { time: true } },
      axes: [{ stroke: css('--fg-muted') }, { stroke: css('--fg-muted'), size: 70, label: `deviation from ${timeline.nominal} ${timeline.unit} / ${scale.unit}`, values: (_u, t) => t.map((v) => grouped(v, 2)) }],
      series,
      bands: [{ series: [2, 3], fill: css('--band-ref') }],
      legend: { live: true },
    };
    if (this.u) this.u.destroy();
    this.u = new uPlot(opts, data, this.container);
    this.container.dataset.points = String(points);
  }
}
