// Formatting for the bench: units everywhere, UTC times, digits grouped in threes after the
// decimal point (10.000 002 46 V), as metrologists write them.

const THIN = '\u2009';

/** A number with `decimals` decimals, digits after the point grouped in threes with thin spaces. */
export function grouped(x, decimals) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const [int, frac] = Math.abs(x).toFixed(decimals).split('.');
  const sign = x < 0 ? '−' : '';
  const intG = int.replace(/\B(?=(\d{3})+(?!\d))/g, THIN);
  if (!frac) return sign + intG;
  return `${sign}${intG}.${frac.replace(/(\d{3})(?=\d)/g, `$1${THIN}`)}`;
}

/** Decimals that show a value of `unit` to the resolution a lab reads it at. */
export function decimalsFor(quantity, unit, value) {
  if ((unit === '' || unit === '1' || unit === 'count') && Number.isInteger(value)) return 0;
  if (unit === 'V' && Math.abs(value) >= 1) return 8;
  if (unit === 'V') return 9;
  if (unit === 'Ω' || unit === 'ohm') return Math.abs(value) >= 1000 ? 3 : 7;
  if (unit === '°C' || unit === 'degC') return 3;
  if (unit === '%RH') return 1;
  if (unit === 'hPa') return 2;
  if (unit === 'g') return 2;
  if (unit === '°' || unit === 'deg') return 1;
  return Math.abs(value) >= 100 ? 2 : 4;
}

export function withUnit(value, unit, quantity) {
  if (value === null || value === undefined) return '—';
  const u = unit === '1' ? '' : unit;
  return `${grouped(value, decimalsFor(quantity, unit, value))}${u ? THIN + u : ''}`;
}

/** A number with a fixed count of significant digits (figures of merit like E_n). */
export function sig(x, digits = 3) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return Number(x.toPrecision(digits)).toString().replace('-', '−');
}

/** The display scale of a deviation from nominal: µV for volts, µΩ for ohms, mK for °C. */
export function deviationScale(unit) {
  if (unit === 'V' || unit === 'Ω' || unit === 'A' || unit === 'ohm') return { factor: 1e6, unit: `µ${unit === 'ohm' ? 'Ω' : unit}` };
  if (unit === '°C' || unit === 'K') return { factor: 1e3, unit: 'mK' };
  return { factor: 1, unit };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** 2026-01-01 12:00:03 (UTC is said once, in the column header or a label). */
export function utc(t, withDate = true) {
  if (t === null || t === undefined) return '—';
  const d = typeof t === 'number' ? new Date(t) : new Date(Date.parse(t));
  if (Number.isNaN(d.getTime())) return '—';
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return withDate ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time}` : time;
}

/** "3.2 s", "4 min 10 s", "2 h 05 min", "3 d 4 h". */
export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, ms / 1000);
  if (s < 10) return `${s.toFixed(1)}${THIN}s`;
  if (s < 60) return `${Math.round(s)}${THIN}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}${THIN}min ${pad(Math.round(s % 60))}${THIN}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}${THIN}h ${pad(m % 60)}${THIN}min`;
  return `${Math.floor(h / 24)}${THIN}d ${h % 24}${THIN}h`;
}

export function ago(t, now = Date.now()) {
  if (t === null || t === undefined) return 'never';
  const ms = now - (typeof t === 'number' ? t : Date.parse(t));
  return `${duration(ms)} ago`;
}

/** "3.2 s ago" that keeps counting: the page's ticker updates every [data-since] each second
 *  (refreshAges), so an age keeps growing even when the gateway stops answering. */
export function agoEl(t, attrs = {}) {
  if (t === null || t === undefined) return el('span', attrs, 'never');
  const since = typeof t === 'number' ? new Date(t).toISOString() : t;
  return el('span', { ...attrs, class: `ago${attrs.class ? ` ${attrs.class}` : ''}`, dataset: { since } }, ago(since));
}

export function refreshAges(root = document, now = Date.now()) {
  for (const e of root.querySelectorAll('[data-since]')) e.textContent = ago(e.dataset.since, now);
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n}${THIN}B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)}${THIN}KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)}${THIN}MiB`;
  return `${(n / 1024 ** 3).toFixed(2)}${THIN}GiB`;
}

export function count(n) {
  if (n === null || n === undefined) return '—';
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, THIN);
}

const STATE_LABELS = {
  awaiting: 'Awaiting',
  in_transit: 'In transit',
  settling: 'Settling',
  measuring: 'Measuring',
  returned: 'Returned',
};
export const stateLabel = (s) => STATE_LABELS[s] ?? s;

const EVENT_LABELS = {
  standard_transition: 'Transition',
  transport_alarm: 'Transport alarm',
  transport_warning: 'Transport warning',
  step_detected: 'Step detected',
  drift_rate: 'Drift rate',
  standard_settled: 'Settled',
  environment_excursion: 'Environment',
  standard_alarms_resolved: 'Alarms resolved',
  gateway_started: 'Gateway started',
  gateway_stopped: 'Gateway stopped',
  clock_sync: 'Clock sync',
  clock_step: 'Clock step',
  seal: 'Seal',
};
export const eventLabel = (t) => EVENT_LABELS[t] ?? t.replace(/_/g, ' ');

/** Creates an element: el('td', { class: 'num' }, 'text', child, ...). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}
