import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { TgError } from '../core/errors.js';
import type { SerialLinkConfig, TcpLinkConfig } from './config.js';
import { SerialLineLink } from './serial.js';
import { TcpLineLink, type TcpEndpoint } from './tcp.js';
import type { Link } from './types.js';
import { createModbusLink, type ModbusLinkConfig } from './modbus/create.js';
import { PrologixLink } from './prologix.js';
import type { PrologixLinkConfig } from './prologix-config.js';

export type LinkConfig = TcpLinkConfig | SerialLinkConfig | ModbusLinkConfig | PrologixLinkConfig;

export interface LinkDeps {
  clock: Clock;
  log: Logger;
  /** Where an in-process simulator named by a link listens. */
  simulatorEndpoint?: (simulatorId: string) => TcpEndpoint | undefined;
}

/** Builds a link from its configuration. Nothing is opened until `start()`. */
export function createLink(cfg: LinkConfig, deps: LinkDeps): Link {
  if (cfg.type === 'modbus-rtu' || cfg.type === 'modbus-tcp') return createModbusLink(cfg, deps);
  if (cfg.type === 'prologix') {
    const endpoint = cfg.simulator ? deps.simulatorEndpoint?.(cfg.simulator) : { host: cfg.host!, port: cfg.port };
    if (!endpoint) throw new TgError('TG_CONFIG_INVALID', `link ${cfg.id}: simulator "${cfg.simulator}" is not running`);
    return new PrologixLink(cfg, endpoint, { clock: deps.clock, log: deps.log });
  }
  const base = {
    id: cfg.id,
    type: cfg.type,
    writeTerminator: cfg.writeTerminator,
    readTerminator: cfg.readTerminator,
    reconnect: cfg.reconnect,
    clock: deps.clock,
    log: deps.log,
  };
  switch (cfg.type) {
    case 'tcp': {
      const endpoint = cfg.simulator
        ? deps.simulatorEndpoint?.(cfg.simulator)
        : { host: cfg.host!, port: cfg.port! };
      if (!endpoint) throw new TgError('TG_CONFIG_INVALID', `link ${cfg.id}: simulator "${cfg.simulator}" is not running`);
      return new TcpLineLink(base, endpoint, cfg.connectTimeout);
    }
    case 'serial':
      return new SerialLineLink(base, cfg);
  }
}
