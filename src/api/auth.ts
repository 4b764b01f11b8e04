import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type Right = 'read' | 'operate';

export interface ApiToken {
  name: string;
  token: string;
  rights: Right[];
}

export interface Caller {
  name: string;
  rights: Right[];
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer-token authorisation. Tokens are compared in constant time (through their digests, so
 * lengths leak nothing either). Error replies never echo the token.
 */
export class Authorizer {
  private readonly tokens: { name: string; digest: Buffer; rights: Right[] }[];

  constructor(tokens: readonly ApiToken[], private readonly requireTokenForReads = false) {
    this.tokens = tokens.map((t) => ({ name: t.name, digest: digest(t.token), rights: t.rights }));
  }

  /** The caller a request's bearer token names, or undefined without a valid token. */
  caller(req: FastifyRequest): Caller | undefined {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) return undefined;
    const presented = digest(match[1]!);
    const found = this.tokens.find((t) => timingSafeEqual(t.digest, presented));
    return found ? { name: found.name, rights: found.rights } : undefined;
  }

  /** A hook (onRequest for routes with a body, so the token is checked before the body is read;
   *  preHandler elsewhere) that answers 401 without a valid token and 403 without the right. */
  require(right: Right) {
    return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (right === 'read' && !this.requireTokenForReads) return;
      const caller = this.caller(req);
      if (!caller) {
        await reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="travelgate"')
          .send({ error: 'unauthorized', message: 'a bearer token is required' });
        return reply;
      }
      if (!caller.rights.includes(right)) {
        await reply.code(403).send({ error: 'forbidden', message: `token "${caller.name}" lacks the right "${right}"` });
        return reply;
      }
      (req as FastifyRequest & { caller?: Caller }).caller = caller;
    };
  }
}

/** The caller a `require()` preHandler admitted, for journaling who did what. */
export function callerOf(req: FastifyRequest): Caller | undefined {
  return (req as FastifyRequest & { caller?: Caller }).caller;
}
