/**
 * The pilot API's bearer tokens: the pilot's token sees everything, a lab's token its own lab.
 *
 * Contract: every route but /healthz, /readyz and the page's static files needs a valid token
 * (401 otherwise, with `WWW-Authenticate: Bearer`). The check is the gateway API's `Authorizer`
 * (constant-time comparison through SHA-256 digests; neither a reply nor a log line ever contains
 * a token); each token's name then gives the caller's scope. The page itself holds no data: it
 * asks for a token and sends it with every request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authorizer, callerOf } from '../../api/auth.js';
import type { PilotConfig } from '../config.js';
import type { Scope } from '../view.js';

export class PilotAuth {
  readonly #check: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  readonly #scopes: Map<string, Scope>;

  constructor(tokens: PilotConfig['api']['tokens']) {
    this.#check = new Authorizer(tokens.map((t) => ({ name: t.name, token: t.token, rights: ['read' as const] })), true).require('read');
    this.#scopes = new Map(tokens.map((t) => [t.name, t.lab === undefined ? { role: 'pilot', name: t.name } : { role: 'lab', name: t.name, lab: t.lab }]));
  }

  /** A preHandler: 401 without a valid token; the scope is then `scopeOf(req)`. */
  readonly require = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    await this.#check(req, reply);
    if (reply.sent) return reply; // the 401: the route does not run
    const caller = callerOf(req);
    (req as FastifyRequest & { scope?: Scope }).scope = caller ? this.#scopes.get(caller.name) : undefined;
  };
}

/** The scope `require` admitted. */
export function scopeOf(req: FastifyRequest): Scope {
  const scope = (req as FastifyRequest & { scope?: Scope }).scope;
  if (!scope) throw new Error('route without the token check');
  return scope;
}
