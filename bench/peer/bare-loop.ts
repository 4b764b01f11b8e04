/**
 * The bare loop: what a competent engineer writes when all they need is "poll these Modbus TCP
 * devices, put the values in InfluxDB". No gateway code: modbus-serial, node:http, nothing else.
 * The reference the gateway's full pipeline is compared with (bench/peer/README.md).
 *
 *   node --import tsx bench/peer/bare-loop.ts '<BareLoopSpec as JSON>'
 *
 * Contract:
 * - One modbus-serial client (one TCP connection) per device; every poll is one "read holding
 *   registers" request for all channels, then one InfluxDB point: measurement `readings`, tag
 *   `device`, one float field per channel (register · scale), time stamp in µs at the midpoint of
 *   request and response (kept strictly increasing per device, so no point overwrites another).
 * - intervalMs 0: the next request is sent as soon as the reply arrived; otherwise polls are due
 *   every intervalMs from the first, and a late poll skips missed slots instead of bursting.
 * - Points go to POST /write?db=…&precision=u over one keep-alive connection, in batches of
 *   `batchPoints` or whatever is there `flushMs` after a batch's first point, one write at a time.
 * - SIGTERM: polling stops, the last batch is written, exit 0. A failed read or write is counted
 *   and reported on stderr, never fatal.
 */
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import modbusSerial from 'modbus-serial';

// modbus-serial is CommonJS: `module.exports` is the client class and `.default` points to itself.
const ModbusRTU = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusRTU>;

export interface BareLoopSpec {
  influxUrl: string;
  database: string;
  intervalMs: number;
  devices: { id: string; host: string; port: number; unit: number }[];
  /** Wire address of the first register; channel i is the int16 at firstRegister + i. */
  firstRegister: number;
  channels: { name: string; scale: number }[];
  batchPoints: number;
  flushMs: number;
}

const READ_TIMEOUT_MS = 1000;
const RETRY_DELAY_MS = 500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

class InfluxWriter {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  readonly #url: URL;
  #lines: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  failures = 0;

  constructor(private readonly spec: BareLoopSpec) {
    this.#url = new URL(spec.influxUrl);
  }

  add(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length >= this.spec.batchPoints) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.spec.flushMs);
  }

  /** Queues what is buffered as one write; resolves when every write so far has finished. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#lines.length > 0) {
      const body = this.#lines.join('\n');
      this.#lines = [];
      const path = `/write?db=${encodeURIComponent(this.spec.database)}&precision=u`;
      this.#writing = this.#writing.then(() => this.post(path, body)).catch((err: unknown) => {
        this.failures++;
        process.stderr.write(`bare loop: write failed: ${String(err)}\n`);
      });
    }
    return this.#writing;
  }

  post(path: string, body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.#url.hostname, port: this.#url.port, path, method: 'POST', agent: this.#agent, headers: { 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => (res.statusCode !== undefined && res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${text}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

async function connect(device: BareLoopSpec['devices'][number]): Promise<ModbusClient> {
  const client = new ModbusRTU();
  client.on('error', () => undefined); // a dropped connection shows as a failed read
  await client.connectTCP(device.host, { port: device.port });
  client.setID(device.unit);
  client.setTimeout(READ_TIMEOUT_MS);
  return client;
}

async function pollDevice(device: BareLoopSpec['devices'][number], spec: BareLoopSpec, writer: InfluxWriter, stopping: { now: boolean }): Promise<number> {
  const prefix = `readings,device=${device.id} `;
  const count = spec.channels.length;
  let client = await connect(device);
  let errors = 0;
  let lastStamp = 0;
  let next = performance.now();
  while (!stopping.now) {
    try {
      const requested = nowMicros();
      const { data } = await client.readHoldingRegisters(spec.firstRegister, count);
      const stamp = Math.max(Math.round((requested + nowMicros()) / 2), lastStamp + 1);
      lastStamp = stamp;
      let fields = '';
      for (let i = 0; i < count; i++) {
        const raw = (data[i]! << 16) >> 16; // int16
        fields += `${i === 0 ? '' : ','}${spec.channels[i]!.name}=${raw * spec.channels[i]!.scale}`;
      }
      writer.add(`${prefix}${fields} ${stamp}`);
    } catch (err) {
      errors++;
      process.stderr.write(`bare loop: ${device.id}: ${String(err)}\n`);
      await sleep(RETRY_DELAY_MS);
      if (!client.isOpen) client = await connect(device).catch(() => client);
    }
    if (spec.intervalMs > 0) {
      next += spec.intervalMs;
      const now = performance.now();
      if (next < now) next = now;
      await sleep(next - now);
    }
  }
  await new Promise<void>((resolve) => client.close(() => resolve()));
  return errors;
}

async function main(spec: BareLoopSpec): Promise<void> {
  const res = await fetch(`${spec.influxUrl}/query?q=${encodeURIComponent(`CREATE DATABASE "${spec.database}"`)}`, { method: 'POST' });
  if (!res.ok) throw new Error(`CREATE DATABASE: HTTP ${res.status} ${await res.text()}`);
  const writer = new InfluxWriter(spec);
  const stopping = { now: false };
  process.once('SIGTERM', () => (stopping.now = true));
  const errors = await Promise.all(spec.devices.map((d) => pollDevice(d, spec, writer, stopping)));
  await writer.flush();
  writer.close();
  const readErrors = errors.reduce((a, b) => a + b, 0);
  if (readErrors > 0 || writer.failures > 0) process.stderr.write(`bare loop: ${readErrors} failed reads, ${writer.failures} failed writes\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(JSON.parse(process.argv[2] ?? '') as BareLoopSpec);
}
