/**
 * The benchmark's record generators, as a child process: N light gateways (the journal's own
 * HashChain and sealRecord with each gateway's real Ed25519 key, no instruments, no journal), each
 * making R acquisitions a second and a seal every `sealMs`, published like the gateway's MQTT sink
 * does: a JSON array of consecutive records per message, QoS 1, on `{prefix}/{comparison}/{lab}/records`.
 * Every `tickMs` each gateway publishes what it made since the last tick; the parent hears
 * `{ t, items: [gatewayIndex, fromSeq, toSeq, sealSeq][] }` (sealSeq 0: no seal in it) right after each tick's
 * messages went out.
 * Runs until it receives 'stop', then seals each chain once more (as a stopping gateway does).
 */
import mqtt from 'mqtt';
import { loadPrivateKey } from '../../src/integrity/seal.js';
import { StreamGen } from '../../test/pilot/helpers/stream.js';

interface Start {
  url: string;
  gateways: { id: string; lab: string; keyFile: string }[];
  ratePerSecond: number;
  sealMs: number;
  tickMs: number;
}

process.once('message', (m: Start) => void run(m));

async function run(o: Start): Promise<void> {
  const gens = o.gateways.map((g) => new StreamGen(g.id, g.lab, loadPrivateKey(g.keyFile)));
  const client = await mqtt.connectAsync(o.url, { protocolVersion: 5, clientId: `bench-generator-${process.pid}`, clean: true });
  const due = gens.map(() => 0);
  const lastSeal = gens.map(() => Date.now());
  const sealed = gens.map(() => 0); // seq of each chain's last seal
  let stopped = false;
  process.on('message', (m) => {
    if (m === 'stop') stopped = true;
  });
  const started = Date.now();
  let tick = 0;
  while (!stopped) {
    tick++;
    const now = Date.now();
    const items: [number, number, number, number][] = [];
    const sends: Promise<unknown>[] = [];
    gens.forEach((g, i) => {
      due[i]! += (o.ratePerSecond * o.tickMs) / 1000;
      const json: string[] = [];
      const from = g.seq + 1;
      let seal = 0;
      while (due[i]! >= 1) {
        due[i]! -= 1;
        json.push(g.acquisition(now, 10 + Math.random() * 1e-7).json);
      }
      if (now - lastSeal[i]! >= o.sealMs && g.seq > 0) {
        json.push(g.seal(now).json);
        seal = g.seq;
        sealed[i] = seal;
        lastSeal[i] = now;
      }
      if (json.length === 0) return;
      items.push([i, from, g.seq, seal]);
      sends.push(client.publishAsync(`travelgate/BENCH/${g.lab}/records`, `[${json.join(',')}]`, { qos: 1 }));
    });
    process.send!({ t: Date.now(), items });
    await Promise.all(sends);
    const next = started + tick * o.tickMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  // As a gateway's journal ends with a seal on shutdown: the last records are covered too.
  const now = Date.now();
  const items: [number, number, number, number][] = [];
  const sends: Promise<unknown>[] = [];
  gens.forEach((g, i) => {
    if (g.seq === sealed[i]) return;
    const made = g.seal(now);
    items.push([i, g.seq, g.seq, g.seq]);
    sends.push(client.publishAsync(`travelgate/BENCH/${g.lab}/records`, `[${made.json}]`, { qos: 1 }));
  });
  process.send!({ t: now, items });
  await Promise.all(sends);
  await client.endAsync();
  process.send!('stopped', () => process.disconnect()); // the IPC channel closed: the process ends
}
