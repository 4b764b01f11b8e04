// The status page: loads the gateway's state, draws it, and keeps it live from the event stream.
// Polls only what the stream does not carry (device and sink state every 2 s, the standards'
// figures every 5 s and after each transition or alarm, the Allan deviation every two minutes).
//
// When the gateway stops answering (the stream drops and the status poll fails) the page says so
// everywhere: a banner with how long it has been silent, every value greyed, the instruments'
// states shown as "no contact" instead of their last state, and every age keeps growing. It
// recovers by itself when the gateway answers again.
import { openAction, openResolve } from './actions.js';
import { HttpError, downloadFile, getJson, listen, session } from './api.js';
import { AdevPlot, EnvPlot, ValuePlot, categoryOf, pointOf } from './charts.js';
import { duration, el, refreshAges, utc } from './format.js';
import { envUnit, renderDevices, renderHeader, renderJournal, renderSinks, renderStandard, renderTimeline } from './views.js';

const $ = (sel) => document.querySelector(sel);
/** Range → ms back from now; 'all': the whole stay (from the first reading in the journal). */
const RANGES = { '10m': 600e3, '1h': 3600e3, '6h': 6 * 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3, all: null };
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
  adevPlot: null,
  valueChannel: null,
  /** Readings of the measurand in the plotted range (from the history). */
  valueReadings: 0,
  envPlots: new Map(),
  envChannels: new Map(),
  /** Last time the gateway answered (ms); null while it has not stopped answering. */
  lostSince: null,
  lastContact: Date.now(),
  stream: 'connecting',
};

const key = (device, channel) => `${device}\u0000${channel}`;

function banner(text, kind = 'warn', role = 'message') {
  const b = $('#banner');
  if (!text) {
    b.hidden = true;
    b.dataset.role = '';
    return;
  }
  b.replaceChildren(el('span', {}, text));
  if (kind === 'auth') {
    b.append(' ', el('button', { type: 'button', onclick: askReadToken }, 'Enter token'));
  }
  b.className = `banner banner-${kind === 'auth' ? 'warn' : kind}`;
  b.dataset.role = role;
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
    const body = await getJson(path);
    contact();
    return body;
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

// ---- the gateway answering or not ----------------------------------------------------------

/** The gateway answered: if it had been lost, it is back. */
function contact() {
  state.lastContact = Date.now();
  if (state.lostSince === null) return;
  state.lostSince = null;
  document.body.classList.remove('gateway-lost');
  banner(null);
  void reloadData().catch(() => undefined);
}

/** The gateway did not answer: say so everywhere, from the moment it was last heard. */
function lost() {
  if (state.lostSince !== null) return;
  state.lostSince = state.lastContact;
  document.body.classList.add('gateway-lost');
  if (state.status) renderDevices($('#devices tbody'), state.status, state.latest, true);
  showLost();
}

function showLost() {
  if (state.lostSince === null) return;
  banner(
    `The gateway has not answered since ${utc(state.lostSince)} UTC (${duration(Date.now() - state.lostSince)}). ` +
      'What you see is what it said last: values are greyed, ages keep growing. Retrying…',
    'bad',
    'lost',
  );
}

const unreachable = (err) => !(err instanceof HttpError) || err.status >= 500;

async function refreshStatus() {
  let status;
  try {
    status = await read('/api/v1/status');
  } catch (err) {
    if (unreachable(err)) lost();
    throw err;
  }
  state.status = status;
  renderHeader(document, status);
  renderDevices($('#devices tbody'), status, state.latest, state.lostSince !== null);
  renderSinks($('#sinks'), status.sinks);
  renderJournal($('#journal'), status, state.lastSeal, state.lastSeenSeq);
  $('#devices').dataset.loaded = 'true';
}

// ---- data ----------------------------------------------------------------------------------

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

/** The selected range as {from, to} ISO strings (from undefined: the whole stay). */
function rangeBounds() {
  const back = RANGES[state.range];
  const to = new Date();
  return { from: back === null ? undefined : new Date(to.getTime() - back).toISOString(), to: to.toISOString() };
}

/** One channel over the selected range, downsampled by the gateway to about the plot's width. */
async function history(device, channel, points) {
  const { from } = rangeBounds();
  const q = new URLSearchParams({ device, channel, points: String(Math.max(200, Math.min(4000, Math.round(points)))) });
  if (from) q.set('from', from);
  const res = await read(`/api/v1/history?${q}`);
  return res;
}

/** Which channels the plots show: from the page layout, else found among recent readings. */
async function choosePlots() {
  const layout = state.page.standards.find((s) => s.id === state.selected) ?? state.page.standards[0];
  const summary = state.standards.find((s) => s.id === state.selected);
  let recent = null;
  const recentReadings = async () => (recent ??= (await read('/api/v1/readings?limit=200')).readings);

  if (layout || summary) {
    const s = layout ?? summary;
    state.valueChannel = { ...s.measurand, unit: s.unit, nominal: s.nominal, title: s.id, standard: true, id: s.id };
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

function describeHistory(h) {
  if (!h || h.readings === 0) return 'no readings in this range yet';
  const span = `${utc(h.items[0]?.time ?? h.from)} … ${utc(h.items.at(-1)?.time ?? h.to)} UTC`;
  return h.downsampled
    ? `Loaded ${h.readings.toLocaleString('en')} readings, ${span}, drawn as ${h.items.length} buckets of ${duration(h.bucketMs)}: each point a bucket's mean, shaded its min–max; new readings are added as they come.`
    : `Loaded ${h.readings.toLocaleString('en')} readings, ${span}, every one drawn; new readings are added as they come.`;
}

async function buildPlots() {
  const vc = state.valueChannel;
  const box = $('#value-plot');
  box.replaceChildren();
  state.valuePlot = null;
  $('#csv-export').hidden = !vc?.standard;
  if (vc) {
    $('#value-title').textContent = `${vc.title}: value of the standard`;
    $('#value-source').textContent = vc.standard
      ? `${vc.device}/${vc.channel}, as measured (not corrected to reference conditions). Shaded: the pilot's reference model ŷ_ref ± k·u; orange line: this lab's drift fit over the current segment.`
      : `${vc.device}/${vc.channel}, as measured. No travelling standard is configured, so there is no reference model to compare with.`;
    state.valuePlot = new ValuePlot(box, { unit: vc.unit, nominal: vc.nominal, withModel: vc.standard === true });
    state.valuePlot.setYMode($('#y-scale').value);
    const h = await history(vc.device, vc.channel, box.clientWidth || 1200);
    state.valueReadings = h.readings;
    state.valuePlot.setPoints(h.items.map(pointOf));
    $('#value-history').textContent = describeHistory(h);
    const d = state.details.get(state.selected);
    if (d) {
      state.valuePlot.setModel(d.reference, d.drift?.thresholds?.k ?? 2);
      state.valuePlot.setFit(d.drift);
    }
  } else {
    box.append(el('p', { class: 'muted' }, 'No readings to plot yet.'));
    $('#value-history').textContent = '';
  }
  await refreshAdev();

  const envRoot = $('#env-plots');
  envRoot.replaceChildren();
  state.envPlots.clear();
  for (const e of ENV) {
    const ch = state.envChannels.get(e.q);
    if (!ch) continue;
    const w = ch.window;
    const caption = w ? `window ${w.min ?? '−∞'} … ${w.max ?? '+∞'} ${envUnit(e.q)} (shaded)` : 'no protocol window configured';
    const plotBox = el('div', { class: 'env-plot', dataset: { quantity: e.q } });
    envRoot.append(el('figure', {}, el('figcaption', {}, el('b', {}, `${e.label}`), ` · ${ch.device}/${ch.channel} · ${caption}`), plotBox));
    const plot = new EnvPlot(plotBox, { label: e.label, unit: envUnit(e.q), window: w, decimals: e.decimals, color: e.color });
    const h = await history(ch.device, ch.channel, plotBox.clientWidth || 800);
    plot.setPoints(h.items.map(pointOf));
    state.envPlots.set(key(ch.device, ch.channel), plot);
  }
  if (state.envPlots.size === 0) envRoot.append(el('p', { class: 'muted' }, 'No temperature, humidity or pressure channel yet.'));
}

/** The Allan deviation of the measurand over the selected range (the newest readings in it). */
async function refreshAdev() {
  const vc = state.valueChannel;
  const box = $('#adev-plot');
  const note = $('#adev-note');
  if (!vc) {
    box.replaceChildren();
    state.adevPlot = null;
    note.textContent = '';
    return;
  }
  state.adevPlot ??= new AdevPlot(box);
  if ((state.valueReadings ?? 0) < 12) {
    // The gateway needs at least a few equally spaced readings: ask once the plot has them.
    state.adevPlot.set([]);
    note.textContent = 'Not enough readings in this range yet.';
    return;
  }
  const { from } = rangeBounds();
  const q = new URLSearchParams({ relative: 'true', limit: '10000' });
  if (from) q.set('since', from);
  try {
    const a = await read(`/api/v1/channels/${encodeURIComponent(vc.device)}/${encodeURIComponent(vc.channel)}/adev?${q}`);
    state.adevPlot.set(a.points);
    note.textContent = `${vc.device}/${vc.channel}: the newest ${a.n.toLocaleString("en")} readings in the range (at most 10 000), τ₀ = ${a.tau0} s, ${utc(a.from)} … ${utc(a.to)} UTC${a.gaps ? ` (the newest run without a gap; ${a.gaps} gap(s) before it left out)` : ''}. Relative to the mean.`;
  } catch (err) {
    state.adevPlot.set([]);
    note.textContent = err instanceof HttpError && err.status === 422 ? `Not enough equally spaced readings yet (${err.message}).` : `Not available: ${err.message}`;
  }
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
  contact();
  if (id !== null && id > state.lastSeenSeq) state.lastSeenSeq = id;
  if (type === 'reading') {
    state.latest.set(key(data.device, data.channel), data);
    const t = Date.parse(data.time);
    const vc = state.valueChannel;
    if (vc && data.device === vc.device && data.channel === vc.channel) {
      state.valuePlot?.add(t, data.value, categoryOf(data));
      // The Allan deviation waits for a few readings; ask for it once they are there.
      if (++state.valueReadings === 12) void refreshAdev().catch(() => undefined);
    }
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
  state.stream = s;
  const pill = $('#live');
  const text = { live: 'live', connecting: 'connecting…', unauthorized: 'token needed', down: 'reconnecting…' }[s] ?? s;
  pill.textContent = text;
  pill.className = `chip chip-${s === 'live' ? 'ok' : s === 'unauthorized' ? 'bad' : 'warn'}`;
  pill.dataset.state = s;
  if (s === 'live') contact();
  if (s === 'down') lost();
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
  timers.push(setInterval(() => void (state.lostSince === null ? refreshStandards() : Promise.resolve()).catch(() => undefined), 5000));
  timers.push(setInterval(() => void (state.lostSince === null ? refreshAdev() : Promise.resolve()).catch(() => undefined), 120_000));
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

/** CSV of the standard's readings over the selected range (with this tab's token, if any). */
async function exportCsv() {
  const vc = state.valueChannel;
  if (!vc?.standard) return;
  const { from, to } = rangeBounds();
  const q = new URLSearchParams({ to });
  if (from) q.set('from', from);
  const button = $('#csv-export');
  button.disabled = true;
  try {
    await downloadFile(`/api/v1/standards/${encodeURIComponent(vc.id)}/readings.csv?${q}`, `${vc.id}.csv`);
  } catch (err) {
    toast(`CSV export failed: ${err.message}`, 'bad');
  } finally {
    button.disabled = false;
  }
}

/** Every second: the clock, every age on the page, and the banner of a silent gateway. */
function tick() {
  $('#utc').textContent = `${utc(Date.now())} UTC`;
  refreshAges(document);
  showLost();
}

$('#range').addEventListener('change', async (ev) => {
  state.range = ev.target.value;
  await buildPlots();
});
$('#y-scale').addEventListener('change', (ev) => state.valuePlot?.setYMode(ev.target.value));
$('#csv-export').addEventListener('click', () => void exportCsv());
tick();
setInterval(tick, 1000);
void boot();
