/**
 * Check cost per reading of a standard (corrections, environment, settling, transport, E_n, CUSUM,
 * the drift fit and E_b: everything `CheckEngine.process` does), with 10^3 and with 10^7 readings
 * of history behind it. It must stay flat: the state is a fixed set of numbers whatever the history.
 *
 * How the history is made: the first 1 000 readings go through the engine itself. For 10^7 the
 * remaining readings (1 reading/s, 50 nV white noise) go through the engine's own OnlineLinearFit
 * and Cusum (fed N(0,1) residuals, as in control) — the only parts whose numbers depend on the
 * history; every other part is bounded by construction), and the engine continues from that state through `restore()` — the path a
 * restarted gateway takes. Feeding 10^7 readings through `process` would take minutes and measure
 * nothing else. The timed readings alternate between the two engines (median of rounds), so a
 * busy machine slows both alike.
 * Run directly: `node --import tsx bench/checks.ts` prints a table.
 */
import { pathToFileURL } from 'node:url';
import { parseStandard } from '../src/checks/config.js';
import { CheckEngine, type EngineSnapshot } from '../src/checks/engine.js';
import { Cusum, OnlineLinearFit, createRng, type Rng } from '../src/checks/stats/index.js';
import type { Acquisition, ChannelReading } from '../src/core/types.js';
import { round, type BenchResult } from './types.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;
const WARM = 1_000;
const ROUNDS = 7;
const PER_ROUND = 20_000;

const standard = parseStandard({
  id: 'Z1',
  nominal: 10,
  initialState: 'measuring',
  measurand: { device: 'dmm', channel: 'dcv' },
  environment: {
    temperature: { device: 'ptu', channel: 'temperature' },
    pressure: { device: 'ptu', channel: 'pressure' },
    window: { temperature: { min: 22, max: 24 } },
  },
  corrections: { pressure: { coefficient: 2e-9, reference: 1013.25 } },
  reference: { t0: '2026-01-01T00:00:00Z', x0: 10.0000025, uX0: 1e-7, driftPerDay: -3e-8, uDriftPerDay: 3e-9, uTransport: 5e-8 },
  // A false CUSUM alarm (in-control run length ≈ 5·10^5 readings at h = 12) would restart the fit
  // and hide the history it is about; the cost per reading is the same either way.
  step: { restartFit: false },
});

const channel = (quantity: string, value: number): ChannelReading => ({ quantity, value, unit: '' });
const acquisition = (device: string, time: number, channels: Acquisition['channels']): Acquisition => ({ device, time, clock: 'yes', channels });
const valueAt = (i: number, rng: Rng) => 10.0000025 - 3e-8 * (i / 86_400) + 5e-8 * rng.normal();

/** Readings i (1 per second) of the standard through the engine, one acquisition each, with the
 *  lab's air (one acquisition of two channels) every minute. */
function feed(engine: CheckEngine, rng: Rng, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const time = T0 + i * 1000;
    if (i % 60 === 0 || i === from) {
      engine.process(
        acquisition('ptu', time, { temperature: channel('temperature', 23 + 0.01 * rng.normal()), pressure: channel('pressure', 1013.25 + 0.02 * rng.normal()) }),
      );
    }
    engine.process(acquisition('dmm', time, { dcv: channel('voltage', valueAt(i, rng)) }));
  }
}

/** An engine with `history` readings behind it (see the header). */
function withHistory(history: number, rng: Rng): CheckEngine {
  const engine = new CheckEngine([standard]);
  feed(engine, rng, 0, WARM);
  if (history <= WARM) return engine;
  const snap: EngineSnapshot = engine.snapshot();
  const st = snap.standards.Z1!;
  const fit = OnlineLinearFit.fromSnapshot(st.drift.fit!);
  const cusum = Cusum.fromSnapshot(st.drift.cusum!);
  const epoch = st.drift.epochMs!;
  for (let i = WARM; i < history; i++) {
    const time = T0 + i * 1000;
    fit.add((time - epoch) / DAY_MS, valueAt(i, rng) - 10);
    // In control, the standardised residuals the engine feeds the CUSUM are N(0, 1).
    cusum.update(rng.normal(), time);
  }
  st.drift.fit = fit.snapshot();
  st.drift.cusum = cusum.snapshot();
  st.counts.readings += history - WARM;
  st.counts.verified += history - WARM;
  st.lastReadingAt = T0 + (history - 1) * 1000;
  if (!engine.restore(snap)) throw new Error('restore refused');
  return engine;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchChecks(): Promise<BenchResult[]> {
  const cases = [1e3, 1e7].map((history) => {
    const rng = createRng(history);
    return { history, rng, engine: withHistory(history, rng), next: history, times: [] as number[] };
  });
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    for (const c of cases) {
      const start = performance.now();
      feed(c.engine, c.rng, c.next, c.next + PER_ROUND);
      c.times.push(((performance.now() - start) * 1000) / PER_ROUND);
      c.next += PER_ROUND;
    }
  }
  const [small, large] = cases.map((c) => median(c.times.slice(1))); // the first round warms the JIT
  const n = cases[1]!.engine.runtime('Z1')!.drift.result()?.n ?? 0;
  return [
    { name: 'check cost per reading, 10^3 readings of history', value: round(small!, 2), unit: 'µs' },
    { name: `check cost per reading, 10^7 readings of history (fit n = ${n})`, value: round(large!, 2), unit: 'µs' },
    { name: 'ratio 10^7 / 10^3 history (flat = 1)', value: round(large! / small!, 2), unit: 'x' },
    { name: 'checks state (checkpoint) size, 10^7 history', value: JSON.stringify(cases[1]!.engine.snapshot()).length, unit: 'bytes' },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchChecks());
}
