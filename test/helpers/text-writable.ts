import { Writable } from 'node:stream';

/** A writable that keeps what was written, as text in `.text`. */
export function textWritable(): Writable & { text: string } {
  const w = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      w.text += chunk.toString();
      done();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}
