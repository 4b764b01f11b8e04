// The status page: loads the gateway's state, draws it, and keeps it live from the event stream.
// Polls only what the stream does not carry (device and sink state every 2 s, the standards'
// figures every 5 s and after each transition or alarm).
import { openAction, openResolve } from './actions.js';
import { HttpError, getJson, listen, session } from './api.js';
import { EnvPlot, ValuePlot } from './charts.js';
import { el, utc } from './format.js';
import { envUnit, renderDevices, renderHeader, renderJournal, renderSinks, renderStandard, renderTimeline } from './views.js';

const $ = (sel) => document.querySelector(sel);
const RANGES = { '10m': 600e3, '1h': 3600e3, '6h': 6 * 3600e3, '24h': 86400e3 };
const ENV = [
  { q: 'temperature', label: 'temperature', decimals: 2, color: '#c2410c' },
  { q: 'humidity', label: 'relative humidity', decimals: 1, color: '#0369a1' },
  { q: 'pressure', label: 'pressure', decimals: 1, color: '#4d7c0f' },
];

const state = {
  status: null,
  page: { standards: [] },
  standards: [],
  details: new Map(),
  selected: null,
  latest: new Map(),
  timeline: [],
  lastSeal: null,
  lastSeenSeq: 0,
  range: '1h',
  valuePlot: null,
  valueChannel: null,
  envPlots: new Map(),
  envChannels: new Map(),
};

const key = (device, channel) => `${device}\u0000${channel}`;

function banner(text, kind = 'warn') {
  const b = $('#banner');
  if (!text) {
    b.hidden = true;
    return;
  }
  b.replaceChildren(el('span', {}, text));
  if (kind === 'auth') {
    b.append(' ', el('button', { type: 'button', onclick: askReadToken }, 'Enter token'));
  }
  b.className = `banner banner-${kind === 'auth' ? 'warn' : kind}`;
  b.hidden = false;
}

function toast(text, kind = 'ok') {
  const t = el('div', { class: `toast toast-${kind}`, role: 'status' }, text);
  $('#toasts').append(t);
  setTimeout(() => t.remove(), 6000);
}

/** A read that needs a token: ask once, keep it for this tab. */
function askReadToken() {
  const dialog = $('#token-dialog');
  const form = dialog.querySelector('form');
  form.elements.token.value = session.token;
  form.onsubmit = (ev) => {
    ev.preventDefault();
    if (ev.submitter?.value === 'confirm') session.token = form.elements.token.value.trim();
    dialog.close();
    if (ev.submitter?.value === 'confirm') void boot();
  };
  dialog.showModal();
}

async function read(path, fallback) {
  try {
    return await getJson(path);
  } catch (err) {
    if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
      banner('This gateway needs a token to show its state.', 'auth');
      onStreamState('unauthorized');
      throw err;
    }
    if (fallback !== undefined && err instanceof HttpError && err.status === 404) return fallback;
    throw err;
  }
}

async function refreshStatus() {
  const status = await read('/api/v1/status');
  state.status = status;
  renderHeader(document, status);
  renderDevices($('#devices tbody'), status, state.latest);
  renderSinks($('#sinks'), status.sinks);
  renderJournal($('#journal'), status, state.lastSeal, state.lastSeenSeq);
  $('#devices').dataset.loaded = 'true';
}

/** The last value of every channel, before the stream brings newer ones. */
async function seedLatest() {
  const res = await read('/api/v1/readings?limit=500');
  for (const r of res.readings) {
    const k = key(r.device, r.channel);
    if (!state.latest.has(k)) state.latest.set(k, r);
  }
}

async function refreshStandards() {
  const list = await read('/api/v1/standards', { standards: [] });
  state.standards = Array.isArray(list) ? list : (list.standards ?? []);
  await Promise.all(
    state.standards.map(async (s) => {
      try {
        state.details.set(s.id, await read(`/api/v1/standards/${encodeURIComponent(s.id)}`));
      } catch {
        /* keep the previous detail */
      }
    }),
  );
  renderStandards();
  const d = state.details.get(state.selected);
  if (d && state.valuePlot) {
    state.valuePlot.setModel(d.reference, d.drift?.thresholds?.k ?? 2);
    state.valuePlot.setFit(d.drift);
  }
}

function renderStandards() {
  const root = $('#standards');
  if (state.standards.length === 0) {
    root.replaceChildren(el('p', { class: 'muted card' }, 'No travelling standard is configured on this gateway.'));
    return;
  }
  root.replaceChildren(...state.standards.map((s) => renderStandard({ ...s, ...pick(state.details.get(s.id)) }, state.details.get(s.id), onAction)));
}

const pick = (d) => (d ? { state: d.state, since: d.since, openAlarms: d.openAlarms, lastVerified: d.lastVerified, readings: d.readings, verified: d.verified } : {});

function onAction(standard, to) {
  const done = (what) => (result) => {
    toast(`Recorded: ${what}${result?.seq ? ` (journal seq ${result.seq})` : ''}`);
    void refreshStandards();
  };
  if (to === 'resolve') openResolve($('#action-dialog'), standard, done(`${standard.id}: alarms resolved`));
  else openAction($('#action-dialog'), standard, to, done(`${standard.id} → ${to.replace('_', ' ')}`));
}

/** History of one channel over the selected range, oldest first. */
async function history(device, channel) {
  const since = new Date(Date.now() - RANGES[state.range]).toISOString();
  const q = new URLSearchParams({ device, channel, since, limit: '10000' });
  const res = await read(`/api/v1/readings?${q}`);
  return res.readings.map((r) => ({ t: Date.parse(r.time), value: r.value }));
}

/** Which channels the plots show: from the page layout, else found among recent readings. */
async function choosePlots() {
  const layout = state.page.standards.find((s) => s.id === state.selected) ?? state.page.standards[0];
  const summary = state.standards.find((s) => s.id === state.selected);
  let recent = null;
  const recentReadings = async () => (recent ??= (await read('/api/v1/readings?limit=200')).readings);

  if (layout || summary) {
    const s = layout ?? summary;
    state.valueChannel = { ...s.measurand, unit: s.unit, nominal: s.nominal, title: s.id, standard: true };
  } else {
    const r = (await recentReadings()).find((x) => x.unit === 'V' || x.quantity === 'voltage') ?? (await recentReadings())[0];
    state.valueChannel = r ? { device: r.device, channel: r.channel, unit: r.unit, nominal: Math.round(r.value ?? 0), title: `${r.device}/${r.channel}` } : null;
  }
  state.envChannels.clear();
  for (const { q } of ENV) {
    const ref = layout?.environment?.[q];
    if (ref) {
      state.envChannels.set(q, { ...ref, window: layout.environment.window?.[q] ?? null });
      continue;
    }
    // Without a layout: the lab's own sensor is the one named plainly (temperature, not
    // case_temperature), preferably on a device that also reads pressure.
    const all = await recentReadings();
    const withPressure = new Set(all.filter((x) => x.quantity === 'pressure').map((x) => x.device));
    const candidates = all.filter((x) => x.quantity === q);
    const score = (x) => (x.channel === q ? 2 : 0) + (withPressure.has(x.device) ? 1 : 0);
    const r = candidates.sort((a, b) => score(b) - score(a))[0];
    if (r) state.envChannels.set(q, { device: r.device, channel: r.channel, window: null });
  }
}

async function buildPlots() {
  const vc = state.valueChannel;
  const box = $('#value-plot');
  box.replaceChildren();
  state.valuePlot = null;
  if (vc) {
    $('#value-title').textContent = `${vc.title}: value of the standard`;
    $('#value-source').textContent = vc.standard
      ? `${vc.device}/${vc.channel}, as measured (not corrected to reference conditions). Shaded: the pilot's reference model ŷ_ref ± k·u; orange: this lab's drift fit over the current segment.`
      : `${vc.device}/${vc.channel}, as measured. No travelling standard is configured, so there is no reference model to compare with.`;
    state.valuePlot = new ValuePlot(box, { unit: vc.unit, nominal: vc.nominal, withModel: vc.standard === true });
    state.valuePlot.setReadings(await history(vc.device, vc.channel));
    const d = state.details.get(state.selected);
    if (d) {
      state.valuePlot.setModel(d.reference, d.drift?.thresholds?.k ?? 2);
      state.valuePlot.setFit(d.drift);
    }
  } else {
    box.append(el('p', { class: 'muted' }, 'No readings to plot yet.'));
  }

  const envRoot = $('#env-plots');
  envRoot.replaceChildren();
  state.envPlots.clear();
  for (const e of ENV) {
    const ch = state.envChannels.get(e.q);
    if (!ch) continue;
    const w = ch.window;
    const caption = w
      ? `window ${w.min ?? '−∞'} … ${w.max ?? '+∞'} ${envUnit(e.q)} (shaded)`
      : 'no protocol window configured';
    const box = el('div', { class: 'env-plot', dataset: { quantity: e.q } });
    envRoot.append(el('figure', {}, el('figcaption', {}, el('b', {}, `${e.label}`), ` · ${ch.device}/${ch.channel} · ${caption}`), box));
    const plot = new EnvPlot(box, { label: e.label, unit: envUnit(e.q), window: w, decimals: e.decimals, color: e.color });
    plot.setReadings(await history(ch.device, ch.channel));
    state.envPlots.set(key(ch.device, ch.channel), plot);
  }
  if (state.envPlots.size === 0) envRoot.append(el('p', { class: 'muted' }, 'No temperature, humidity or pressure channel yet.'));
}

async function refreshTimeline() {
  const [events, recent] = await Promise.all([
    read('/api/v1/timeline?limit=100&seals=false', { events: [] }),
    read('/api/v1/timeline?limit=20', { events: [] }),
  ]);
  state.timeline = events.events;
  state.lastSeal = recent.events.find((e) => e.kind === 'seal') ?? state.lastSeal;
  renderTimeline($('#timeline ol'), state.timeline);
}

let standardsTimer = null;
function soonRefreshStandards(ms) {
  if (standardsTimer) return;
  standardsTimer = setTimeout(() => {
    standardsTimer = null;
    void refreshStandards().catch(() => undefined);
  }, ms);
}

function onEvent(type, data, id) {
  if (id !== null && id > state.lastSeenSeq) state.lastSeenSeq = id;
  if (type === 'reading') {
    state.latest.set(key(data.device, data.channel), data);
    const t = Date.parse(data.time);
    const vc = state.valueChannel;
    if (vc && data.device === vc.device && data.channel === vc.channel) state.valuePlot?.add(t, data.value);
    state.envPlots.get(key(data.device, data.channel))?.add(t, data.value);
  } else if (type === 'seal') {
    state.lastSeal = data;
    if (state.status) renderJournal($('#journal'), state.status, state.lastSeal, state.lastSeenSeq);
  } else if (type === 'transition' || type === 'alarm' || type === 'event') {
    state.timeline.unshift({ ...data, kind: 'event' });
    state.timeline.length = Math.min(state.timeline.length, 200);
    renderTimeline($('#timeline ol'), state.timeline);
    if (type === 'transition' || type === 'alarm') soonRefreshStandards(200);
  } else if (type === 'verdict') {
    soonRefreshStandards(3000);
  } else if (type === 'reset' || type === 'overflow') {
    void reloadData();
  }
}

function onStreamState(s) {
  const pill = $('#live');
  const text = { live: 'live', connecting: 'connecting…', unauthorized: 'token needed', down: 'reconnecting…' }[s] ?? s;
  pill.textContent = text;
  pill.className = `chip chip-${s === 'live' ? 'ok' : s === 'unauthorized' ? 'bad' : 'warn'}`;
  pill.dataset.state = s;
}

async function reloadData() {
  await Promise.all([refreshStatus(), refreshStandards(), refreshTimeline()]);
  await choosePlots();
  await buildPlots();
}

let stopStream = null;
let timers = [];
async function boot() {
  banner(null);
  for (const t of timers) clearInterval(t);
  timers = [];
  try {
    state.page = await read('/api/v1/dashboard', { standards: [] });
    await Promise.all([seedLatest(), refreshStandards(), refreshTimeline()]);
    await refreshStatus();
    state.selected ??= state.standards[0]?.id ?? null;
    renderStandardPicker();
    await choosePlots();
    await buildPlots();
  } catch (err) {
    if (!(err instanceof HttpError && (err.status === 401 || err.status === 403))) banner(`Could not load the gateway's state: ${err.message}`, 'bad');
    return;
  }
  stopStream?.();
  stopStream = listen(onEvent, onStreamState);
  timers.push(setInterval(() => void refreshStatus().catch(() => undefined), 2000));
  timers.push(setInterval(() => void refreshStandards().catch(() => undefined), 5000));
}

function renderStandardPicker() {
  const picker = $('#standard-picker');
  if (state.standards.length < 2) {
    picker.hidden = true;
    return;
  }
  picker.hidden = false;
  const select = picker.querySelector('select');
  select.replaceChildren(...state.standards.map((s) => el('option', { value: s.id, selected: s.id === state.selected }, s.id)));
  select.onchange = async () => {
    state.selected = select.value;
    await choosePlots();
    await buildPlots();
  };
}

function clock() {
  $('#utc').textContent = `${utc(Date.now())} UTC`;
}

$('#range').addEventListener('change', async (ev) => {
  state.range = ev.target.value;
  await buildPlots();
});
clock();
setInterval(clock, 1000);
void boot();
