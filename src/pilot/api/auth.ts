/**
 * The pilot API's bearer tokens: the pilot's token sees everything, a lab's token its own lab.
 *
 * Contract: every route but /healthz, /readyz and the page's static files needs a valid token
 * (401 otherwise, with `WWW-Authenticate: Bearer`). Tokens are compared in constant time through
 * their SHA-256 digests; neither a reply nor a log line ever contains a token. The page itself
 * holds no data: it asks for a token and sends it with every request.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PilotConfig } from '../config.js';
import type { Scope } from '../view.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export class PilotAuth {
  readonly #tokens: { digest: Buffer; scope: Scope }[];

  constructor(tokens: PilotConfig['api']['tokens']) {
    this.#tokens = tokens.map((t) => ({
      digest: digest(t.token),
      scope: t.lab === undefined ? { role: 'pilot', name: t.name } : { role: 'lab', name: t.name, lab: t.lab },
    }));
  }

  scopeOf(req: FastifyRequest): Scope | undefined {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return undefined;
    const presented = digest(m[1]!);
    let found: Scope | undefined;
    for (const t of this.#tokens) if (timingSafeEqual(t.digest, presented)) found = t.scope;
    return found;
  }

  /** A preHandler: 401 without a valid token; the scope is then `scopeOf(req)`. */
  readonly require = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const scope = this.scopeOf(req);
    if (!scope) {
      await reply.code(401).header('www-authenticate', 'Bearer realm="travelgate pilot"').send({ error: 'unauthorized', message: 'a bearer token is required' });
      return reply;
    }
    (req as FastifyRequest & { scope?: Scope }).scope = scope;
  };
}

/** The scope `require` admitted. */
export function scopeOf(req: FastifyRequest): Scope {
  const scope = (req as FastifyRequest & { scope?: Scope }).scope;
  if (!scope) throw new Error('route without the token check');
  return scope;
}
