// The page's only contact with the gateway: JSON reads, operator actions and the live event
// stream. The stream is read with fetch() rather than EventSource so that it can carry a bearer
// token when the gateway requires one for reads; it reconnects by itself and resumes from the
// last event id, so a dropped connection loses nothing.

const TOKEN_KEY = 'travelgate.token';

export class HttpError extends Error {
  constructor(status, body) {
    super(body?.message ?? body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** The token of this browser tab (sessionStorage: gone when the tab closes). */
export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  },
  set token(t) {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

function headers(token, extra = {}) {
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

async function bodyOf(res) {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return { message: text };
  }
}

/** GET a JSON route with this tab's token (if any); throws HttpError on a non-2xx answer. */
export async function getJson(path) {
  const res = await fetch(path, { headers: headers(session.token), cache: 'no-store' });
  const body = await bodyOf(res);
  if (!res.ok) throw new HttpError(res.status, body);
  return body;
}

/** Downloads a file (e.g. the CSV export) with this tab's token: fetched, then saved as `name`
 *  (the server's Content-Disposition name when it gives one). Throws HttpError on a non-2xx answer. */
export async function downloadFile(path, name) {
  const res = await fetch(path, { headers: headers(session.token), cache: 'no-store' });
  if (!res.ok) throw new HttpError(res.status, await bodyOf(res));
  const blob = await res.blob();
  const given = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = given ?? name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** POST JSON with the token given (none: the request goes without one). Never throws on HTTP status. */
export async function postJson(path, body, token) {
  const res = await fetch(path, {
    method: 'POST',
    headers: headers(token, { 'content-type': 'application/json' }),
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await bodyOf(res) };
}

/**
 * Listens to /api/v1/events. `onEvent(type, data, id)` for each event, `onState(state)` with
 * 'live' | 'connecting' | 'unauthorized' | 'down'. Returns a function that stops listening.
 */
export function listen(onEvent, onState) {
  const stop = new AbortController();
  let lastId = null;
  let delay = 1000;

  async function once() {
    onState('connecting');
    const h = headers(session.token, { accept: 'text/event-stream' });
    if (lastId !== null) h['last-event-id'] = String(lastId);
    const res = await fetch('/api/v1/events', { headers: h, signal: stop.signal, cache: 'no-store' });
    if (res.status === 401 || res.status === 403) {
      onState('unauthorized');
      return false;
    }
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    onState('live');
    delay = 1000;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return true;
      buf += value;
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let type = 'message';
        let id = null;
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const i = line.indexOf(':');
          const field = i < 0 ? line : line.slice(0, i);
          const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (field === 'event') type = v;
          else if (field === 'data') data.push(v);
          else if (field === 'id') id = v;
        }
        if (id !== null && /^\d+$/.test(id)) lastId = Number(id);
        if (data.length === 0) continue;
        let parsed;
        try {
          parsed = JSON.parse(data.join('\n'));
        } catch {
          continue;
        }
        if (type === 'reset') lastId = parsed.lastEventId ?? lastId;
        onEvent(type, parsed, id === null ? null : Number(id));
      }
    }
  }

  (async () => {
    while (!stop.signal.aborted) {
      try {
        // true: the gateway ended the stream (e.g. it is stopping): not live any more, reconnecting.
        if ((await once()) && !stop.signal.aborted) onState('connecting');
      } catch {
        if (stop.signal.aborted) return;
        onState('down');
      }
      if (stop.signal.aborted) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  })();
  return () => stop.abort();
}
