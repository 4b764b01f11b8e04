/**
 * The benchmark's baseline, as a child process: a bare MQTT 5 subscriber on the same topics with
 * the same session options as a receiver (QoS 1, a PUBACK per message, TCP_NODELAY), that only
 * JSON.parses each message. No inbox, no checks, no store: the cost of getting the stream into a
 * Node process at all, against which the receiver's cost is a ratio. It reports what it parsed
 * like a receiver reports what it verified: `{ items: [gateway, fromSeq, toSeq, t][] }` (t: when
 * parsed), flushed every 10 ms; its CPU time on 'cpu'; stops on 'stop'.
 */
import mqtt from 'mqtt';

const [url, topic] = process.argv.slice(2);
const client = await mqtt.connectAsync(url!, { protocolVersion: 5, clientId: `bench-baseline-${process.pid}`, clean: true });
(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
let items: [string, number, number, number][] = [];
client.on('message', (_topic, payload) => {
  const records = JSON.parse(payload.toString('utf8')) as { gateway: string; seq: number }[];
  const first = records[0];
  const last = records[records.length - 1];
  if (first && last) items.push([first.gateway, first.seq, last.seq, Date.now()]);
});
await client.subscribeAsync(topic!, { qos: 1 });
const flush = setInterval(() => {
  if (items.length === 0) return;
  process.send!({ items });
  items = [];
}, 10);
process.send!('ready');
process.on('message', (m) => {
  if (m === 'cpu') {
    const c = process.cpuUsage();
    process.send!({ cpu: (c.user + c.system) / 1e6 });
  } else if (m === 'stop') {
    clearInterval(flush);
    void client.endAsync().then(() => process.exit(0));
  }
});
