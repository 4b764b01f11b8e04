// The pilot's page: reads the receiver's API with this tab's token every 5 s and draws the route,
// the timeline, the results and every gateway's completeness and integrity. Blindness is the
// server's job: with a lab's token the API answers only that lab's data.
import { downloadFile, getJson as get, HttpError, session } from '/ui/api.js';
import { count, duration, el, grouped, sig, stateLabel, utc, deviationScale } from '/ui/format.js';
import { TimelinePlot } from '/ui/timeline.js';

const $ = (sel) => document.querySelector(sel);
const REFRESH_MS = 5000;
let comparison = null;
let standard = null;
let plot = null;

function askToken(message) {
  const dialog = $('#token-dialog');
  const error = dialog.querySelector('[data-role=error]');
  error.hidden = !message;
  error.textContent = message ?? '';
  if (!dialog.open) dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      session.token = dialog.querySelector('input[name=token]').value.trim();
      resolve();
    }, { once: true });
  });
}

function live(state) {
  const chip = $('#live');
  chip.className = `chip ${state === 'live' ? 'chip-ok' : state === 'down' ? 'chip-bad' : 'chip-warn'}`;
  chip.textContent = state === 'live' ? 'live' : state === 'down' ? 'unreachable' : 'connecting…';
  chip.dataset.state = state;
}

const dev = (v) => {
  const s = deviationScale(comparison.standards.find((x) => x.id === standard).unit);
  const nominal = comparison.standards.find((x) => x.id === standard).nominal;
  return `${grouped((v - nominal) * s.factor, 3)} ${s.unit}`;
};
const unc = (v) => {
  const s = deviationScale(comparison.standards.find((x) => x.id === standard).unit);
  return v === null || v === undefined ? '—' : `${grouped(v * s.factor, 3)} ${s.unit}`;
};
const enChip = (en) => el('span', { class: `chip ${en === null || !Number.isFinite(en) ? 'chip-muted' : Math.abs(en) <= 1 ? 'chip-ok' : 'chip-bad'}` }, sig(en));
const ranges = (list) => (list.length === 0 ? '—' : list.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}–${r.last}`)).join(', '));

function showRoute(route) {
  $('[data-role=now]').textContent = route.now ? `now: ${stateLabel(route.now.state)} at ${route.now.lab} since ${utc(route.now.since)} UTC` : 'no lifecycle event verified yet';
  $('#labs tbody').replaceChildren(
    ...route.labs.map((l) => {
      const last = l.transitions[l.transitions.length - 1];
      return el('tr', {}, el('th', { scope: 'row' }, l.lab), el('td', {}, l.state ? stateLabel(l.state) : '—'), el('td', {}, last ? utc(last.time) : '—'), el('td', {}, last ? `${last.cause}: ${last.detail}` : ''));
    }),
  );
  $('#legs tbody').replaceChildren(
    ...route.legs.map((g) => {
      const s = g.summary;
      const climate = [s.temperature ? `${grouped(s.temperature[0], 1)}…${grouped(s.temperature[1], 1)} °C` : null, s.humidity ? `${grouped(s.humidity[0], 0)}…${grouped(s.humidity[1], 0)} %RH` : null].filter(Boolean).join(', ') || '—';
      return el(
        'tr',
        {},
        el('th', { scope: 'row' }, `${g.from.lab} → ${g.to?.lab ?? '…'}`),
        el('td', {}, utc(g.from.time)),
        el('td', {}, g.to ? `${utc(g.to.time)} (${duration(g.to.time - g.from.time)})` : 'in transit'),
        el('td', { class: 'num' }, s.peakShockG === null ? '—' : `${grouped(s.peakShockG, 1)} g`),
        el('td', { class: 'num' }, s.maxTiltDeg === null ? '—' : `${grouped(s.maxTiltDeg, 0)}°`),
        el('td', {}, climate),
        el('td', { class: 'num' }, String(s.powerInterruptions)),
        el('td', {}, g.events.length === 0 ? 'none' : g.events.map((e) => el('div', { class: e.severity === 'alarm' ? 'bad-text' : 'warn-text' }, e.message))),
      );
    }),
  );
}

function showResults(r) {
  $('#results tbody').replaceChildren(
    ...r.labs.map((l) =>
      el(
        'tr',
        { 'data-lab': l.lab },
        el('th', { scope: 'row' }, l.lab, l.complete ? '' : el('div', { class: 'warn-text sub' }, l.issues.join('; '))),
        el('td', { class: 'num' }, count(l.n)),
        el('td', {}, `${utc(l.from)} → ${utc(l.to)}`),
        el('td', { class: 'num' }, dev(l.mean)),
        el('td', { class: 'num' }, unc(l.uA)),
        el('td', { class: 'num' }, unc(l.uB)),
        el('td', { class: 'num' }, dev(l.model.value)),
        el('td', { class: 'num' }, unc(l.d)),
        el('td', { class: 'num' }, unc(r.k * l.ud)),
        el('td', { class: 'num' }, enChip(l.En)),
      ),
    ),
  );
  const ref = r.reference;
  const figure = (label, value, cls = '') => el('div', { class: `figure ${cls}` }, el('div', { class: 'figure-label' }, label), el('div', { class: 'figure-value' }, value));
  $('#reference').replaceChildren(
    ...(ref
      ? [
          el(
            'div',
            { class: 'figures' },
            figure(`reference value − nominal (at ${ref.t0.slice(0, 10)}, provisional)`, dev(ref.value)),
            figure('u(x_ref)', unc(ref.u)),
            figure('χ² / ν', `${sig(ref.chi2)} / ${ref.dof}`),
            figure('Pr{χ²(ν) > χ²_obs}', sig(ref.pValue), ref.consistent ? 'ok' : 'bad'),
          ),
        ]
      : [el('p', { class: 'sub' }, comparison.caller.role === 'lab' && !comparison.released ? 'The reference value is shown once the pilot releases the results.' : 'A reference value needs complete results of at least two labs.')]),
  );
  const eq = $('#equivalence');
  eq.hidden = r.equivalence.length === 0;
  eq.querySelector('tbody').replaceChildren(
    ...r.equivalence.map((e) =>
      el('tr', { 'data-lab': e.lab }, el('th', { scope: 'row' }, e.lab), el('td', { class: 'num' }, dev(e.x)), el('td', { class: 'num' }, unc(e.u)), el('td', { class: 'num' }, unc(e.d)), el('td', { class: 'num' }, unc(e.U)), el('td', { class: 'num' }, enChip(e.En))),
    ),
  );
  $('[data-role=dcc]').replaceChildren(...r.labs.map((l) => el('button', { 'data-export': `dcc/${l.lab}.xml?standard=${encodeURIComponent(standard)}` }, `DCC ${l.lab}`)));
}

function showGateways(list) {
  $('#gateways tbody').replaceChildren(
    ...list.map((g) => {
      const complete = g.verifiedThrough === g.head.seq && g.missing.length === 0;
      return el(
        'tr',
        { 'data-gateway': g.gateway, 'data-complete': String(complete) },
        el('th', { scope: 'row' }, el('div', { class: 'device-id' }, g.gateway), el('div', { class: 'sub' }, g.lab)),
        el('td', {}, el('span', { class: `chip ${g.status?.state === 'online' ? 'chip-ok' : 'chip-muted'}` }, g.status?.state ?? 'unknown')),
        el('td', { class: 'num' }, count(g.records)),
        el('td', { class: 'num' }, el('span', { class: complete ? '' : 'warn-text' }, count(g.verifiedThrough)), el('div', { class: 'sub' }, `head ${count(g.head.seq)}`)),
        el('td', { class: 'ranges' }, ranges(g.missing), g.gaps.length ? el('div', { class: 'sub' }, `declared lost: ${ranges(g.gaps)}`) : ''),
        el('td', { class: 'num' }, g.rejected.count > 0 ? el('span', { class: 'chip chip-bad', title: Object.entries(g.rejected.byReason).map(([k, v]) => `${k}: ${v}`).join(', ') }, String(g.rejected.count)) : '0'),
        el('td', { class: 'num' }, duration(g.lagSeconds * 1000)),
      );
    }),
  );
}

function showRejected(list) {
  $('#rejected').replaceChildren(
    ...list.map((r) => el('li', { class: 'sev-alarm' }, el('time', {}, utc(r.receivedAt)), el('div', {}, el('b', {}, `${r.gateway ?? '?'} seq ${r.seq ?? '?'}: ${r.code}`), el('div', { class: 'reason' }, r.reason)))),
  );
  const banner = $('#banner');
  banner.hidden = list.length === 0;
  banner.className = 'banner banner-bad';
  banner.textContent = list.length === 0 ? '' : `${list.length} record(s) kept apart: forged, altered or not on the sealed chain. They are never part of the results.`;
}

async function refresh() {
  const q = `standard=${encodeURIComponent(standard)}`;
  const [gateways, rejected, route, timeline, results] = await Promise.all([
    get('/api/v1/comparison/gateways'),
    get('/api/v1/comparison/rejected?limit=100'),
    get(`/api/v1/comparison/route?${q}`),
    get(`/api/v1/comparison/timeline?${q}&maxPoints=1500`),
    get(`/api/v1/comparison/results?${q}`),
  ]);
  showGateways(gateways.gateways);
  showRejected(rejected.rejected);
  showRoute(route);
  plot.show(timeline, comparison.labs);
  showResults(results);
}

async function main() {
  setInterval(() => ($('#utc').textContent = `${utc(Date.now())} UTC`), 1000);
  plot = new TimelinePlot($('#timeline-plot'));
  document.addEventListener('click', (e) => {
    const b = e.target.closest('[data-export]');
    if (b) downloadFile(`/api/v1/comparison/export/${b.dataset.export}`, b.dataset.export.replace(/[/?=]/g, '_')).catch(() => live('down'));
  });
  for (;;) {
    try {
      if (!session.token) await askToken();
      comparison = await get('/api/v1/comparison');
      break;
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) await askToken('That token was not accepted.');
      else {
        live('down');
        await new Promise((r) => setTimeout(r, REFRESH_MS));
      }
    }
  }
  $('[data-role=comparison]').textContent = comparison.id;
  $('[data-role=pilot]').textContent = comparison.pilot;
  $('[data-role=caller]').textContent = comparison.caller.role === 'pilot' ? `${comparison.caller.name} (pilot: all labs)` : `${comparison.caller.name} (lab ${comparison.caller.lab} only)`;
  standard = comparison.standards[0].id;
  const picker = $('#standard');
  picker.replaceChildren(...comparison.standards.map((s) => el('option', { value: s.id }, s.id)));
  picker.closest('label').hidden = comparison.standards.length < 2;
  picker.addEventListener('change', () => {
    standard = picker.value;
    void refresh();
  });
  for (;;) {
    try {
      await refresh();
      live('live');
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) await askToken('The token is no longer accepted.');
      else live('down');
    }
    await new Promise((r) => setTimeout(r, REFRESH_MS));
  }
}

void main();
