// Operator actions: lifecycle transitions of a standard (mark departure, mark arrival, ...) and
// resolving its transport alarms. Each
// asks for the operator token in a dialog and sends it as a bearer header; the gateway's answer,
// refusals included (401 no valid token, 403 token without the right, 409 not allowed now), is
// shown in the dialog in words.
import { postJson, session } from './api.js';
import { stateLabel } from './format.js';

/** The action that moves a standard from `from` to `to`, in the words of the bench. */
export function actionLabel(from, to) {
  if (to === 'in_transit') return 'Mark departure';
  if (to === 'settling') return from === 'in_transit' ? 'Mark arrival' : 'Restart settling';
  if (to === 'measuring') return 'Start measuring';
  if (to === 'returned') return 'Mark returned';
  return `Move to ${stateLabel(to)}`;
}

const EXPLAIN = {
  in_transit: 'The standard leaves this lab. Its readings stop counting until it has arrived and settled again.',
  settling: 'The standard is here and powered. Readings count once the settling time has passed and its drift and thermistor are stable.',
  measuring: 'Settling is over: readings count towards the comparison from now on.',
  returned: 'The standard has gone back to the pilot laboratory. This is final.',
};

function refusal(status, body) {
  const detail = body?.message ? ` ${body.message}` : '';
  if (status === 401) return 'Refused (401 Unauthorized): a valid operator token is required.';
  if (status === 403) return `Refused (403 Forbidden): this token does not have the right “operate”.`;
  if (status === 409) return `Not allowed now (409 Conflict):${detail}`;
  if (status === 404) return `Unknown standard (404).${detail}`;
  if (status === 400) return `The gateway rejected the request (400):${detail}${body?.issues ? ` ${body.issues.join('; ')}` : ''}`;
  return `The gateway answered ${status}.${detail}`;
}

/**
 * Opens the dialog for `standard` (a detail or summary) moving to `to`. `onDone(result)` runs
 * after the transition was recorded.
 */
export function openAction(dialog, standard, to, onDone) {
  const from = standard.state;
  openDialog(dialog, {
    title: `${actionLabel(from, to)}: ${standard.id}`,
    explain: `${stateLabel(from)} → ${stateLabel(to)}. ${EXPLAIN[to] ?? ''} The transition is written to the journal with the name of your token.`,
    confirm: 'Record transition',
    path: `/api/v1/standards/${encodeURIComponent(standard.id)}/transitions`,
    body: (note) => ({ to, ...(note ? { note } : {}) }),
    onDone,
  });
}

/** Opens the dialog that resolves the standard's open transport alarms. */
export function openResolve(dialog, standard, onDone) {
  openDialog(dialog, {
    title: `Resolve alarms: ${standard.id}`,
    explain:
      `${standard.openAlarms} open transport alarm(s). Resolving them records that you have judged them (say how in the note); ` +
      'readings count again once nothing else stands in the way. The resolution is written to the journal with the name of your token.',
    confirm: 'Resolve alarms',
    path: `/api/v1/standards/${encodeURIComponent(standard.id)}/alarms/resolve`,
    body: (note) => (note ? { note } : {}),
    onDone,
  });
}

function openDialog(dialog, action) {
  const form = dialog.querySelector('form');
  const error = dialog.querySelector('[data-role=error]');
  const token = form.elements.token;
  const note = form.elements.note;
  const remember = form.elements.remember;
  const submit = form.querySelector('button[value=confirm]');

  dialog.querySelector('[data-role=title]').textContent = action.title;
  dialog.querySelector('[data-role=explain]').textContent = action.explain;
  submit.textContent = action.confirm;
  error.textContent = '';
  error.hidden = true;
  token.value = session.token;
  note.value = '';
  remember.checked = session.token !== '';
  submit.disabled = false;

  form.onsubmit = async (ev) => {
    ev.preventDefault();
    if (ev.submitter?.value === 'cancel') {
      dialog.close();
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    let res;
    try {
      res = await postJson(action.path, action.body(note.value.trim()), token.value.trim());
    } catch (err) {
      res = { status: 0, body: { message: `the gateway could not be reached (${err.message})` } };
    }
    submit.disabled = false;
    if (res.status >= 200 && res.status < 300) {
      if (remember.checked) session.token = token.value.trim();
      dialog.close();
      action.onDone(res.body);
      return;
    }
    error.textContent = res.status === 0 ? `Failed: ${res.body.message}` : refusal(res.status, res.body);
    error.hidden = false;
    if (res.status === 401 || res.status === 403) token.focus();
  };
  dialog.showModal();
  (token.value ? note : token).focus();
}
