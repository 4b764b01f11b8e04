/**
 * Why a gateway could not start, in one line that says what to do (the CLI prints it and exits 2),
 * for the failures a lab meets when it deploys: the port taken, the host not on this machine, a
 * second gateway on the same journal, a missing seal key or TLS file, a data folder it cannot
 * write. Anything else is not recognised (undefined): a bug, logged with its stack.
 */
import { errorCode, TgError } from '../core/errors.js';

export interface StartupContext {
  host: string;
  port: number;
  journalPath: string;
}

export function startupFailure(err: unknown, ctx: StartupContext): string | undefined {
  const where = `${ctx.host}:${ctx.port}`;
  const e = err as NodeJS.ErrnoException & { address?: string };
  const code = errorCode(err) !== 'TG_UNKNOWN' ? errorCode(err) : e?.code;
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is in use (by another travelgate, or another program); stop that, or set api.port to a free port`;
    case 'EACCES':
      if (e.syscall === 'listen' || e.syscall === 'bind') return `cannot listen on ${where}: permission denied (ports below 1024 need privileges); set api.port to 1024 or above`;
      return `permission denied: ${e.message}; the gateway's user must be able to write ${ctx.journalPath} and read its configured files`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${ctx.host} is not an address of this machine; set api.host to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for every interface)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: the host name ${ctx.host} does not resolve; set api.host to an address`;
    case 'TG_ALREADY_RUNNING':
      return `another travelgate already runs on the journal ${ctx.journalPath} (its lock ${ctx.journalPath}.lock is held): stop it first (e.g. systemctl stop travelgate), or give this gateway its own gateway.dataDir`;
    case 'TG_CONFIG_INVALID':
    case 'TG_SIMULATOR':
      return (err as TgError).message;
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
      return `cannot open the journal ${ctx.journalPath} for writing (${e.message}): make gateway.dataDir writable for the user the gateway runs as`;
    default:
      return undefined;
  }
}
