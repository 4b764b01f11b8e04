import { request, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** A minimal server-sent-events client over node:http, for tests. */
export interface SseClient {
  status: number;
  events: SseEvent[];
  comments: string[];
  /** Resolves once the server ended the stream. */
  ended: Promise<void>;
  isEnded(): boolean;
  /** Waits until `pred` holds for the events received so far. */
  waitFor(what: string, pred: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Stop reading (the socket's buffers fill and the server sees backpressure). */
  pause(): void;
  resume(): void;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      let buf = '';
      let ended = false;
      const waiters = new Set<() => void>();
      const notify = () => {
        for (const w of [...waiters]) w();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let id: string | null = null;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ id, event, data: data.join('\n') });
        }
        notify();
      });
      const endedP = new Promise<void>((r) => {
        const done = () => {
          ended = true;
          notify();
          r();
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      });
      resolve({
        status: res.statusCode ?? 0,
        events,
        comments,
        ended: endedP,
        isEnded: () => ended,
        waitFor: (what, pred, timeoutMs = 10_000) =>
          new Promise<void>((ok, fail) => {
            const check = () => {
              if (pred(events)) {
                waiters.delete(check);
                clearTimeout(timer);
                ok();
              } else if (ended) {
                waiters.delete(check);
                clearTimeout(timer);
                fail(new Error(`stream ended before ${what} (${events.length} events)`));
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`timed out waiting for ${what} (${events.length} events)`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
