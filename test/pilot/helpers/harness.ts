/**
 * Store-level harness: the arrival checks and one store transaction per `feed`, as the ingest
 * does it, without a broker. Both stores run the same suites through `openStore`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArrivalChecker, type KnownGateway } from '../../../src/pilot/arrival.js';
import { PostgresStore } from '../../../src/pilot/store/postgres.js';
import { SqliteStore } from '../../../src/pilot/store/sqlite.js';
import type { PilotStore } from '../../../src/pilot/store/types.js';
import type { Arrival, Progress, RejectedRow } from '../../../src/pilot/types.js';
import { applyBatch, type BatchOutcome } from '../../../src/pilot/verify/chain.js';
import { keyIdOf } from '../../../src/integrity/seal.js';
import type { PostgresServer } from '../../helpers/servers/postgresql.js';

export const BASE = 'travelgate/CMP-1/';

export interface TestGateway {
  id: string;
  lab: string;
  key: KeyObject;
  publicKey: KeyObject;
}

export function testGateway(id: string, lab: string): TestGateway {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { id, lab, key: privateKey, publicKey };
}

export function checkerFor(gateways: readonly TestGateway[]): ArrivalChecker {
  const map = new Map<string, KnownGateway>();
  for (const g of gateways) map.set(g.id, { lab: g.lab, keys: new Map([[keyIdOf(g.publicKey), g.publicKey]]) });
  return new ArrivalChecker(map, BASE);
}

/** Applies messages (topic, payload) as one batch; returns the batch's outcome. */
export async function feed(store: PilotStore, checker: ArrivalChecker, messages: readonly { topic: string; payload: string }[], now = Date.now()): Promise<BatchOutcome> {
  const arrivals: Arrival[] = [];
  const rejected: RejectedRow[] = [];
  for (const m of messages) {
    for (const c of checker.checkMessage(m.topic, m.payload, now)) {
      if (c.ok) arrivals.push(c.arrival);
      else rejected.push(c.rejected);
    }
  }
  const recheck = (body: string) => {
    const [c] = checker.checkMessage('', body, now);
    return c?.ok ? c.arrival : undefined;
  };
  return store.transaction((tx) => applyBatch(tx, { arrivals, rejected, now, recheck }));
}

export const topicOf = (lab: string) => `${BASE}${lab}/records`;

/** Progress by gateway without the time-dependent fields. */
export async function stateOf(store: PilotStore): Promise<Record<string, Omit<Progress, 'updatedAt' | 'headReceivedAt' | 'duplicates'>>> {
  const out: Record<string, Omit<Progress, 'updatedAt' | 'headReceivedAt' | 'duplicates'>> = {};
  for (const p of await store.progress()) {
    const { updatedAt: _u, headReceivedAt: _h, duplicates: _d, ...rest } = p;
    out[p.gateway] = rest;
  }
  return out;
}

export interface OpenedStore {
  store: PilotStore;
  close(): Promise<void>;
}

let dbCounter = 0;

/** A fresh, initialised store of either kind (PostgreSQL: a new database on `server`). */
export async function openStore(kind: 'sqlite' | 'postgres', gateways: readonly TestGateway[], server?: PostgresServer): Promise<OpenedStore> {
  if (kind === 'postgres') {
    const url = await server!.createDatabase(`pilot_${process.pid}_${++dbCounter}`);
    const store = new PostgresStore(url, 'travelgate_pilot');
    await store.init(gateways.map((g) => ({ id: g.id, lab: g.lab })));
    return { store, close: () => store.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tg-pilot-store-'));
  const store = new SqliteStore(join(dir, 'pilot.sqlite'));
  await store.init(gateways.map((g) => ({ id: g.id, lab: g.lab })));
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
