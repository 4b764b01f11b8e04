// Rendering of the page's panels from the gateway's JSON. Pure functions of their input: each
// returns (or fills) DOM, so a refresh is a re-render.
import { actionLabel } from './actions.js';
import { agoEl, bytes, count, decimalsFor, deviationScale, duration, el, eventLabel, grouped, sig, stateLabel, utc, withUnit } from './format.js';

const RESULT_CLASS = { pass: 'ok', warn: 'warn', fail: 'bad', info: 'muted' };

export function chip(text, kind, title) {
  return el('span', { class: `chip chip-${kind}`, title }, text);
}

const DEVICE_KIND = { connected: 'ok', connecting: 'warn', faulted: 'bad', stopped: 'muted', paused: 'warn' };
const LINK_KIND = { connected: 'ok', connecting: 'warn', down: 'bad', closed: 'muted' };
const STATE_KIND = { awaiting: 'muted', in_transit: 'info', settling: 'warn', measuring: 'ok', returned: 'muted' };
const SINK_KIND = { idle: 'ok', delivering: 'ok', starting: 'warn', retrying: 'bad', stopped: 'muted' };

export function renderHeader(root, status) {
  root.querySelector('[data-role=lab]').textContent = status.lab;
  root.querySelector('[data-role=gateway]').textContent = status.gateway;
  root.querySelector('[data-role=comparison]').textContent = status.comparison ?? '—';
  root.querySelector('[data-role=version]').textContent = `travelgate ${status.version}`;
  root.querySelector('[data-role=started]').textContent = `running since ${utc(status.startedAt)} UTC`;
  document.title = `${status.lab} · ${status.gateway} — travelgate`;
}

/** The latest value of each channel of a device, from the live stream. */
function latestValues(latest, deviceId) {
  const items = [];
  for (const r of latest.values()) {
    if (r.device !== deviceId) continue;
    const flagged = r.flags.length > 0;
    items.push(
      el(
        'span',
        { class: `value${flagged ? ' flagged' : ''}`, title: flagged ? `flags: ${r.flags.join(', ')}` : `${r.quantity}, ${utc(r.time)} UTC` },
        el('span', { class: 'channel' }, r.channel),
        ' ',
        withUnit(r.value, r.unit, r.quantity),
      ),
    );
  }
  return items.length ? items : [el('span', { class: 'muted' }, 'no reading yet')];
}

/** `lost`: the gateway stopped answering, so the state shown is only the last one known. */
export function renderDevices(tbody, status, latest, lost = false) {
  const links = new Map(status.links.map((l) => [l.id, l]));
  tbody.replaceChildren(
    ...status.devices.map((d) => {
      const link = links.get(d.link);
      const id = d.identity;
      const errorCodes = Object.entries(d.errorsByCode)
        .map(([c, n]) => `${c} × ${n}`)
        .join('\n');
      return el(
        'tr',
        { dataset: { device: d.id } },
        el(
          'th',
          { scope: 'row' },
          el('div', { class: 'device-id' }, d.id),
          el(
            'div',
            {},
            lost
              ? el('span', { class: 'chip chip-muted', title: `the gateway does not answer; its last word: ${d.state}`, dataset: { state: 'unknown' } }, 'no contact')
              : el('span', { class: `chip chip-${DEVICE_KIND[d.state] ?? 'muted'}`, title: d.lastError ?? undefined, dataset: { state: d.state } }, d.state),
          ),
        ),
        el(
          'td',
          {},
          id
            ? el('div', { title: id.firmware ? `firmware ${id.firmware}` : undefined }, `${id.manufacturer} ${id.model}`, el('span', { class: 'sub' }, ` · S/N ${id.serial}`))
            : el('div', {}, d.driver, el('span', { class: 'sub' }, ' · no identity query')),
          d.identityMatches ? null : chip('identity mismatch', 'bad', 'the instrument is not the one configured'),
          el(
            'div',
            { class: 'sub' },
            `link ${d.link} `,
            link && link.state !== 'connected' ? chip(link.state, LINK_KIND[link.state] ?? 'muted', link.lastError) : null,
            link ? ` ${link.address}${link.reconnects ? ` · ${link.reconnects} reconnects` : ''}` : '',
          ),
          d.lastError && d.state !== 'connected' ? el('div', { class: 'sub bad-text' }, d.lastError) : null,
        ),
        el('td', { class: 'values' }, ...latestValues(latest, d.id)),
        el(
          'td',
          { class: 'num', title: [d.lastReadingAt ? `last reading ${utc(d.lastReadingAt)} UTC` : '', errorCodes].filter(Boolean).join('\n') || undefined },
          el('div', {}, count(d.readings)),
          el('div', { class: d.errors ? 'bad-text' : 'sub' }, `${count(d.errors)} error${d.errors === 1 ? '' : 's'}`),
          el('div', { class: 'sub' }, agoEl(d.lastReadingAt, { title: 'age of the last reading' })),
        ),
      );
    }),
  );
}

/** Journal and integrity: what is kept on this box and how far it is sealed. */
export function renderJournal(root, status, lastSeal, lastSeenSeq = 0) {
  // The stream runs ahead of the 2-s status poll: show the newest sequence number either knows.
  const j = status.journal ? { ...status.journal } : null;
  if (j && lastSeenSeq > j.lastSeq) {
    j.records += lastSeenSeq - j.lastSeq;
    j.lastSeq = lastSeenSeq;
  }
  root.replaceChildren(
    el('div', { class: 'figure' }, el('div', { class: 'figure-label' }, 'records'), el('div', { class: 'figure-value' }, j ? count(j.records) : '—')),
    el('div', { class: 'figure' }, el('div', { class: 'figure-label' }, 'last seq'), el('div', { class: 'figure-value' }, j ? count(j.lastSeq) : '—')),
    el(
      'div',
      { class: `figure${j?.cap?.full ? ' bad' : ''}`, title: j?.cap ? `cap policy ${j.cap.policy}; refused ${j.cap.refused}, dropped ${j.cap.dropped}, trimmed ${j.cap.trimmed}` : undefined },
      el('div', { class: 'figure-label' }, 'size on disk'),
      el('div', { class: 'figure-value' }, j ? bytes(j.sizeBytes) : '—'),
      j?.cap ? el('div', { class: 'sub' }, `${j.cap.full ? 'FULL · ' : ''}cap ${bytes(j.cap.maxBytes)}`) : null,
    ),
    el(
      'div',
      { class: 'figure', title: lastSeal ? `Ed25519 seal: ${lastSeal.message}` : 'no seal in the journal yet' },
      el('div', { class: 'figure-label' }, 'sealed up to seq'),
      el('div', { class: 'figure-value' }, lastSeal ? count(lastSeal.data?.headSeq ?? lastSeal.seq - 1) : '—'),
      el('div', { class: 'sub' }, lastSeal ? [agoEl(lastSeal.time), lastSeal.data?.keyId ? ` · key ${lastSeal.data.keyId}` : ''] : 'no seal yet'),
    ),
  );
}

export function renderSinks(root, sinks) {
  const tbody = root.querySelector('tbody');
  const empty = root.querySelector('[data-role=empty]');
  if (!sinks || sinks.length === 0) {
    tbody.replaceChildren();
    empty.hidden = false;
    return;
  }
  empty.hidden = true;
  tbody.replaceChildren(
    ...sinks.map((s) =>
      el(
        'tr',
        { dataset: { sink: s.name } },
        el('th', { scope: 'row' }, s.name),
        el('td', {}, chip(s.state, SINK_KIND[s.state] ?? 'muted', s.lastError ?? undefined)),
        el('td', { class: `num${s.pending > 1000 ? ' warn-text' : ''}` }, `${count(s.pending)} records`),
        el('td', { class: 'num' }, duration((s.lagSeconds ?? 0) * 1000)),
        el('td', { class: 'num' }, count(s.cursor)),
        el('td', { class: 'num' }, count(s.delivered)),
        el(
          'td',
          { class: 'sub' },
          s.lastError ? el('span', { class: 'bad-text' }, `${s.lastError} (`, agoEl(s.lastErrorAt), ')') : '—',
          s.quarantined ? el('div', { class: 'warn-text' }, `${count(s.quarantined)} quarantined`) : null,
        ),
      ),
    ),
  );
}

function figure(label, value, result, title, ...extra) {
  return el(
    'div',
    { class: `figure ${result ? RESULT_CLASS[result] ?? '' : ''}`, title, dataset: { figure: label } },
    el('div', { class: 'figure-label' }, label),
    el('div', { class: 'figure-value' }, value),
    result ? el('div', { class: 'figure-result' }, result) : null,
    ...extra,
  );
}

/** A bar showing how far a CUSUM sum is towards its limit h. */
function meter(label, value, limit) {
  const ratio = Math.max(0, Math.min(1, (value ?? 0) / limit));
  return el(
    'div',
    { class: 'meter-row', title: `${label} = ${sig(value, 3)} of the limit h = ${limit}` },
    el('span', { class: 'meter-label' }, label),
    el('progress', { class: `meter${ratio >= 1 ? ' meter-bad' : ratio > 0.7 ? ' meter-warn' : ''}`, max: limit, value: Math.min(value ?? 0, limit) }),
  );
}

function rate(perDay, unit, withUnit = true) {
  if (perDay === null || perDay === undefined) return '—';
  const sc = deviationScale(unit);
  return withUnit ? `${sig(perDay * sc.factor, 3)} ${sc.unit}/d` : sig(perDay * sc.factor, 3);
}

/** One card per standard: lifecycle, figures of merit, settling, transport, operator actions. */
export function renderStandard(s, d, onAction) {
  const detail = d ?? {};
  const life = detail.lifecycle;
  const allowed = new Set(life?.allowed ?? []);
  const drift = detail.drift;
  const cusum = detail.cusum;
  const settling = detail.settling;
  const trip = detail.transport?.trip;
  const unit = s.unit;
  const sc = deviationScale(unit);

  // Departure and arrival are always shown (disabled when the lifecycle does not allow them);
  // the other moves appear only when they are possible.
  const buttons = [
    { to: 'in_transit', enabled: allowed.has('in_transit'), primary: true },
    { to: 'settling', enabled: s.state === 'in_transit' && allowed.has('settling'), primary: true, label: 'Mark arrival' },
  ];
  if (allowed.has('measuring')) buttons.push({ to: 'measuring', enabled: true });
  if (s.state !== 'in_transit' && allowed.has('settling')) buttons.push({ to: 'settling', enabled: true, label: 'Restart settling' });
  if (allowed.has('returned')) buttons.push({ to: 'returned', enabled: true });
  if (s.openAlarms > 0) buttons.push({ to: 'resolve', enabled: true, label: 'Resolve alarms' });
  const actions = el(
    'div',
    { class: 'actions' },
    el('span', { class: 'actions-label' }, 'Operator actions'),
    ...buttons.map((b) =>
      el(
        'button',
        {
          type: 'button',
          class: b.primary ? 'primary' : 'secondary',
          disabled: !b.enabled,
          title: b.enabled ? 'asks for the operator token' : `not possible while ${stateLabel(s.state).toLowerCase()}`,
          dataset: { action: b.to },
          onclick: () => onAction(s, b.to),
        },
        b.label ?? actionLabel(s.state, b.to),
      ),
    ),
  );

  const cause = life?.cause
    ? life.cause.kind === 'operator'
      ? `by ${life.cause.by}${life.cause.note ? ` — “${life.cause.note}”` : ''}`
      : `evidence: ${life.cause.evidence}`
    : null;

  const en = drift?.en ?? s.en;
  const eb = drift?.eb ?? s.eb;
  // E_b is judged only once the fit has the readings and the span it needs (drift.pending says
  // what is missing); until then no PASS is shown next to a slope fitted over seconds.
  const pending = drift?.pending ?? null;
  const ebShown = pending ? null : eb;
  const slope = drift?.slopePerDay;
  const uSlope = drift?.uSlopePerDay;
  const figures = el(
    'div',
    { class: 'figures' },
    figure('E_n (last reading)', sig(en?.value, 3), en?.result, `|y − ŷ_ref| / (k·u), k = ${drift?.thresholds?.k ?? 2}; pass when ≤ 1`),
    figure(
      'E_b (drift rate)',
      ebShown ? sig(ebShown.value, 3) : '—',
      ebShown?.result ?? null,
      pending ?? `|b − b_ref| / √(u²(b) + u²(b_ref)); warn > ${drift?.thresholds?.warn ?? 2}, fail > ${drift?.thresholds?.fail ?? 3}`,
      pending ? el('div', { class: 'figure-result muted', dataset: { role: 'eb-pending' } }, 'not judged yet') : null,
    ),
    figure(
      'lab drift b ± u(b)',
      slope !== null && slope !== undefined ? `${rate(slope, unit, false)} ± ${uSlope !== null && uSlope !== undefined ? rate(uSlope, unit) : '?'}` : '—',
      null,
      slope !== null && slope !== undefined
        ? `least-squares slope of the current fit segment, standard uncertainty u(b) (k = 1); n = ${drift.n} over ${duration(drift.spanMs)}`
        : 'no readings in the fit yet',
      slope !== null && slope !== undefined ? el('div', { class: 'sub' }, `n = ${count(drift.n)} · over ${duration(drift.spanMs)}`) : null,
    ),
    figure(
      'reference b_ref ± u',
      detail.reference ? `${rate(detail.reference.driftPerDay, unit, false)} ± ${rate(detail.reference.uDriftPerDay, unit)}` : '—',
      null,
      detail.reference ? "the pilot's reference drift rate and its standard uncertainty" : 'no reference model configured',
    ),
    figure(
      'CUSUM S⁺ / S⁻',
      cusum ? `${sig(cusum.sPlus, 2)} / ${sig(cusum.sMinus, 2)}` : '—',
      cusum && Math.max(cusum.sPlus, cusum.sMinus) >= cusum.h ? 'fail' : cusum && Math.max(cusum.sPlus, cusum.sMinus) > cusum.h * 0.7 ? 'warn' : null,
      cusum ? `step alarm when a sum reaches h = ${cusum.h} (allowance k = ${cusum.k}, in residual SDs); ${cusum.steps} step(s) detected` : undefined,
      cusum ? el('div', { class: 'sub', dataset: { role: 'cusum-limit' } }, `limit h = ${cusum.h} · ${cusum.steps} step(s)`) : null,
      cusum ? meter('S⁺', cusum.sPlus, cusum.h) : null,
      cusum ? meter('S⁻', cusum.sMinus, cusum.h) : null,
    ),
    figure('residual s', drift?.residualSd !== null && drift?.residualSd !== undefined ? `${sig(drift.residualSd * sc.factor, 3)} ${sc.unit}` : '—', null, 'residual SD of the lab fit'),
  );
  const pendingNote = pending && s.state === 'measuring' ? el('p', { class: 'sub pending', dataset: { role: 'drift-pending' } }, pending) : null;
  const motion = detail.transport?.lastMotion;
  const movingMs = motion?.time ? Date.now() - Date.parse(motion.time) : Infinity;
  const movingNote =
    s.state === 'in_transit' && movingMs <= (detail.transport?.arrivalRestMs ?? 60_000)
      ? el(
          'p',
          { class: 'sub warn-text', dataset: { role: 'moving' } },
          `The case is moving (${sig(motion.g, 2)} g on ${motion.axis}, ${duration(Math.max(0, movingMs))} ago): an arrival is refused until it has rested ${duration(detail.transport.arrivalRestMs)}.`,
        )
      : null;

  const settle =
    settling && (s.state === 'settling' || (!settling.settled && settling.start))
      ? el(
          'div',
          { class: 'settling' },
          el('div', { class: 'figure-label' }, `Settling: ${Math.round((settling.progress ?? 0) * 100)} % of ${duration(settling.requiredMs)}`),
          el('progress', { max: 1, value: settling.progress ?? 0 }),
          el(
            'div',
            { class: 'sub' },
            `elapsed ${duration(settling.elapsedMs)} · window ${settling.windowFull ? 'full' : 'filling'}` +
              (settling.slopePerDay !== null ? ` · window slope ${rate(settling.slopePerDay, unit)}` : ''),
          ),
        )
      : null;

  const transport = trip
    ? el(
        'div',
        { class: 'sub transport' },
        `Transport: ${detail.transport.trips} trip(s) · peak ${sig(trip.peak.x, 2)} / ${sig(trip.peak.y, 2)} / ${sig(trip.peak.z, 2)} g (x/y/z)` +
          (trip.tiltMax !== null ? ` · tilt ≤ ${sig(trip.tiltMax, 2)}°` : '') +
          ` · ${trip.powerInterruptions} power interruption(s)`,
      )
    : null;

  const envValues = Object.entries(detail.environment ?? {})
    .filter(([, v]) => v)
    .map(([q, v]) => el('span', { class: 'value' }, el('span', { class: 'channel' }, q), ' ', grouped(v.value, decimalsFor(q, envUnit(q), v.value)), ' ', envUnit(q)));

  return el(
    'article',
    { class: 'standard card', dataset: { standard: s.id } },
    el(
      'header',
      {},
      el('h2', {}, s.id),
      chip(stateLabel(s.state), STATE_KIND[s.state] ?? 'muted'),
      s.openAlarms ? chip(`${s.openAlarms} open alarm${s.openAlarms > 1 ? 's' : ''}`, 'bad') : null,
      s.lastVerified === false ? chip('readings not verified', 'warn', 'not measuring, not settled, out of window or an open alarm') : null,
      s.lastVerified === true ? chip('verified', 'ok', 'the last reading counts towards the comparison') : null,
    ),
    el(
      'p',
      { class: 'sub' },
      `${s.quantity} standard, nominal ${s.nominal} ${unit} · measured by ${s.measurand.device}/${s.measurand.channel}` +
        (s.since ? ` · ${stateLabel(s.state).toLowerCase()} since ${utc(s.since)} UTC` : '') +
        (cause ? ` (${cause})` : ''),
    ),
    figures,
    pendingNote,
    movingNote,
    settle,
    el('p', { class: 'sub' }, `${count(s.verified)} of ${count(s.readings)} readings verified`, envValues.length ? ' · lab now: ' : '', ...envValues.flatMap((v, i) => (i ? [' · ', v] : [v]))),
    transport,
    actions,
  );
}

export function envUnit(q) {
  return q === 'temperature' ? '°C' : q === 'humidity' ? '%RH' : q === 'pressure' ? 'hPa' : q === 'thermistor' ? 'Ω' : '';
}

const SEVERITY_KIND = { alarm: 'bad', warning: 'warn', info: 'muted' };

export function renderTimeline(list, events) {
  if (events.length === 0) {
    list.replaceChildren(el('li', { class: 'muted' }, 'No events yet.'));
    return;
  }
  list.replaceChildren(
    ...events.map((e) =>
      el(
        'li',
        { class: `event sev-${e.severity}`, dataset: { seq: e.seq, type: e.type } },
        el('time', { datetime: e.time, title: `${utc(e.time)} UTC, seq ${e.seq}` }, utc(e.time)),
        chip(eventLabel(e.type), e.type === 'standard_transition' ? 'info' : SEVERITY_KIND[e.severity] ?? 'muted'),
        el('span', { class: 'message' }, e.standard && !e.message.startsWith(e.standard) ? el('b', {}, `${e.standard}: `) : null, e.message),
      ),
    ),
  );
}
