import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { TgError } from '../../core/errors.js';
import { defaultRtuFrameGap, type ModbusRtuLinkConfig, type ModbusTcpLinkConfig } from './config.js';
import { ModbusLink } from './modbus-link.js';
import { rtuTransport, tcpTransport } from './transports.js';

export type ModbusLinkConfig = ModbusRtuLinkConfig | ModbusTcpLinkConfig;

export interface ModbusLinkDeps {
  clock: Clock;
  log: Logger;
  simulatorEndpoint?: (simulatorId: string) => { host: string; port: number } | undefined;
}

/** Builds a Modbus link from its configuration. Nothing is opened until `start()`. */
export function createModbusLink(cfg: ModbusLinkConfig, deps: ModbusLinkDeps): ModbusLink {
  const common = {
    id: cfg.id,
    type: cfg.type,
    breaker: { failures: cfg.breaker.failures, probeIntervalMs: cfg.breaker.probeInterval },
    reconnect: cfg.reconnect,
    clock: deps.clock,
    log: deps.log,
  };
  if (cfg.type === 'modbus-rtu') {
    return new ModbusLink({
      ...common,
      transport: rtuTransport(cfg),
      interFrameDelayMs: cfg.interFrameDelay ?? defaultRtuFrameGap(cfg.baudRate),
    });
  }
  const endpoint = cfg.simulator ? deps.simulatorEndpoint?.(cfg.simulator) : { host: cfg.host ?? '127.0.0.1', port: cfg.port ?? 502 };
  if (!endpoint) throw new TgError('TG_CONFIG_INVALID', `link ${cfg.id}: simulator "${cfg.simulator}" is not running`);
  return new ModbusLink({
    ...common,
    transport: tcpTransport(endpoint, cfg.connectTimeout),
    interFrameDelayMs: cfg.interFrameDelay,
  });
}
