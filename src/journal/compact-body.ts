/**
 * What the journal stores of an acquisition's canonical body: only what the row and the journal
 * cannot give back.
 *
 * An acquisition's canonical body (keys sorted) is `{"channels":…,"clock":…` followed by its
 * envelope `,"device":…,"gateway":…,"kind":"acquisition","lab":…,"prevHash":…,"seq":…,"time":…,"v":2}`.
 * Every envelope value is known without the body: device, seq and time are columns of the row,
 * gateway and lab are the journal's (`meta`), prevHash is the hash of row seq − 1 (or the retention
 * anchor, or '' for seq 1). So the row keeps `{"channels":…,"clock":…}` and the envelope is put back
 * on read: about 190 bytes less per record, a third of a five-channel acquisition.
 *
 * Contract:
 * - `compact` returns the short form only when putting the envelope back gives exactly the body it
 *   was given (checked on every record); otherwise the body itself. Nothing is ever lost to it.
 * - A stored body is short exactly when it ends right after its clock (`"clock":"yes"}` …): a full
 *   acquisition body never does (device follows clock), nor does an event or seal (they have no
 *   channels before their clock and end with "v"), so the row tells its own form.
 * - Stored short bodies are valid JSON with the same `channels`, so SQL (`json_extract`) reads them
 *   like full ones.
 */

import { canonicalName, canonicalString } from '../integrity/canonical.js';

/** The envelope's fixed pieces, in key order (canonical JSON sorts keys). */
const DEVICE = ',"device":';
const GATEWAY = ',"gateway":';
const KIND_LAB = ',"kind":"acquisition","lab":';
const PREV = ',"prevHash":';
const SEQ = ',"seq":';
const TIME = ',"time":';
const END = ',"v":2}';

const SHORT_ENDINGS = ['"clock":"yes"}', '"clock":"no"}', '"clock":"unknown"}'] as const;

/** Whether a stored body is the short form (see the contract). */
export function isShortBody(stored: string): boolean {
  return stored.endsWith('}') && endsAtClock(stored, stored.length - 1);
}

/** The short endings without their closing brace. */
const CLOCK_ENDINGS = SHORT_ENDINGS.map((e) => e.slice(0, -1));

/** Whether `text` up to `end` ends with a clock value (so `text.slice(0, end) + '}'` is a short
 *  body): read in place, no cut copy made to ask. */
function endsAtClock(text: string, end: number): boolean {
  for (const ending of CLOCK_ENDINGS) if (text.endsWith(ending, end)) return true;
  return false;
}

export class AcquisitionBodies {
  readonly #gateway: string;
  readonly #lab: string;

  /** `gateway` and `lab` as the journal file records them (`meta`), never the configuration's. */
  constructor(gateway: string, lab: string) {
    this.#gateway = canonicalName(gateway);
    this.#lab = canonicalName(lab);
  }

  /** The form to store for an acquisition's canonical `body` (see the contract). Compares the
   *  envelope piece by piece in place: no copy of it is built per record. */
  compact(body: string, device: string, prevHash: string, seq: number, time: number): string {
    const quoted = canonicalName(device);
    const seqText = String(seq);
    const timeText = String(time);
    const hashText = canonicalString(prevHash);
    const length =
      DEVICE.length + quoted.length + GATEWAY.length + this.#gateway.length + KIND_LAB.length + this.#lab.length +
      PREV.length + hashText.length + SEQ.length + seqText.length + TIME.length + timeText.length + END.length;
    let at = body.length - length;
    if (at <= 0) return body;
    const start = at;
    for (const piece of [DEVICE, quoted, GATEWAY, this.#gateway, KIND_LAB, this.#lab, PREV, hashText, SEQ, seqText, TIME, timeText, END]) {
      if (!body.startsWith(piece, at)) return body;
      at += piece.length;
    }
    return endsAtClock(body, start) ? `${body.slice(0, start)}}` : body;
  }

  /** The canonical body of a short stored one: its envelope put back (device, seq and time from
   *  its row, prevHash the hash of the record before it). */
  expand(short: string, device: string, prevHash: string, seq: number, time: number): string {
    return (
      `${short.slice(0, -1)}${DEVICE}${canonicalName(device)}${GATEWAY}${this.#gateway}${KIND_LAB}${this.#lab}` +
      `${PREV}${canonicalString(prevHash)}${SEQ}${seq}${TIME}${time}${END}`
    );
  }
}
