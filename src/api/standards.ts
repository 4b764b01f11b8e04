/**
 * The travelling standards and the operator's actions on them.
 *
 * GET  /api/v1/standards                       summaries (lifecycle, E_b, E_n, alarms, counts)
 * GET  /api/v1/standards/:id                   the full picture (drift fit, CUSUM, transport,
 *                                              settling, environment, verdict counts)
 * POST /api/v1/standards/:id/transitions       {to, note?}: a lifecycle transition
 * POST /api/v1/standards/:id/alarms/resolve    {note?}: resolve the open transport alarms
 *
 * Contract: the POST routes need a bearer token with the right "operate" (401 without a valid
 * token, 403 without the right); the operator's name is the token's name and is journaled with
 * the action. 400 for a malformed body, 404 for an unknown standard, 409 for a transition the
 * lifecycle forbids (the reply lists what is allowed), 200 with the journal seq once committed.
 * A gateway without checks answers the reads with an empty list / 404.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { formatPath } from '../config/format.js';
import { LIFECYCLE_STATES } from '../checks/lifecycle.js';
import type { ActionResult } from '../checks/pipeline.js';
import { callerOf, type Authorizer } from './auth.js';
import type { GatewayView } from './view.js';

export const standardParams = z.object({ id: z.string().min(1).describe('the standard id') });

export const transitionBody = z
  .object({
    to: z.enum(LIFECYCLE_STATES).describe('the state to move to'),
    note: z.string().max(1000).optional().describe('journaled with the transition'),
  })
  .strict();

export const resolveBody = z.object({ note: z.string().max(1000).optional() }).strict();

function badRequest(reply: FastifyReply, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad_request', issues: error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) });
}

function answer(reply: FastifyReply, id: string, result: ActionResult, view: GatewayView) {
  if (!result.ok) {
    if (result.code === 'unknown_standard') return reply.code(404).send({ error: 'not_found', message: result.message });
    if (result.code === 'not_ready') return reply.code(503).send({ error: 'not_ready', message: result.message });
    return reply.code(409).send({ error: 'conflict', message: result.message, allowed: result.allowed ?? [] });
  }
  return { seq: result.seq, state: result.state, event: result.event, standard: view.standard?.(id) };
}

// The operator routes check the token in onRequest, before the body is read and parsed: a caller
// without a valid token costs no parsing and learns nothing from body errors.
export const standardRoutes: FastifyPluginAsync<{ view: GatewayView; auth: Authorizer }> = async (app, { view, auth }) => {
  app.get('/api/v1/standards', { preHandler: auth.require('read') }, async () => ({ standards: view.standards?.() ?? [] }));

  app.get('/api/v1/standards/:id', { preHandler: auth.require('read') }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const d = view.standard?.(id);
    if (!d) return reply.code(404).send({ error: 'not_found', message: `no standard "${id}"` });
    return d;
  });

  app.post('/api/v1/standards/:id/transitions', { onRequest: auth.require('operate') }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = transitionBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, body.error);
    if (!view.transition) return reply.code(404).send({ error: 'not_found', message: `no standard "${id}"` });
    const by = callerOf(req)?.name ?? 'unknown';
    return answer(reply, id, await view.transition(id, body.data.to, body.data.note, by), view);
  });

  app.post('/api/v1/standards/:id/alarms/resolve', { onRequest: auth.require('operate') }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = resolveBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, body.error);
    if (!view.resolveAlarms) return reply.code(404).send({ error: 'not_found', message: `no standard "${id}"` });
    const by = callerOf(req)?.name ?? 'unknown';
    return answer(reply, id, await view.resolveAlarms(id, body.data.note, by), view);
  });
};
