// Sign-up blocks (methods/admin/ip_blocks.md, email_domain_blocks.md, canonical_email_blocks.md), for
// staff with Manage Blocks. Creations are safe to retry with an Idempotency-Key (the same block comes
// back; without one, a second creation is "already taken"). Domain blocks and allows govern
// federation, which Firebreak does not do: their lists are empty and creating one is refused.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import type { Tx } from '../../../db/index.js';
import { notFound, unprocessable } from '../../../errors.js';
import { idempotentWrite } from '../../../domain/idempotency.js';
import * as blocks from '../../../domain/sign-up-blocks.js';
import { rule, viewer } from '../../auth.js';
import { paginated, parsePage } from '../../pagination.js';
import { bodyOf, flag, idempotencyKey, idParam, str, type Params } from '../../params.js';
import { serializeCanonicalEmailBlock, serializeEmailDomainBlock, serializeIpBlock } from '../../serializers/admin.js';

type WithId = { Params: { id: string } };

function expiresIn(body: Params): number | null | undefined {
  const raw = body.expires_in;
  if (raw === undefined) return undefined;
  if (raw === null || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > blocks.BLOCK_LIMITS.expiresInSeconds) throw unprocessable(`expires_in must be a number of seconds between 1 and ${blocks.BLOCK_LIMITS.expiresInSeconds}`);
  return n;
}

function severity(body: Params): blocks.IpSeverity | undefined {
  const value = str(body, 'severity', 40) || undefined;
  if (value && !(blocks.IP_SEVERITIES as readonly string[]).includes(value)) throw unprocessable(`Validation failed: Severity must be one of ${blocks.IP_SEVERITIES.join(', ')}`);
  return value as blocks.IpSeverity | undefined;
}

export default async function adminBlocks(app: FastifyInstance, ctx: AppContext) {
  /** A creation whose answer (the new row's id) is kept under the request's Idempotency-Key. */
  const create = async (request: FastifyRequest, what: string, make: (tx: Tx) => Promise<{ id: string }>) =>
    (await idempotentWrite(ctx, viewer(request), idempotencyKey(request), `POST /api/v1/admin/${what}`, async (tx) => ({ id: (await make(tx)).id }))).response.id;

  // --- IP blocks
  const ipRead = rule('user', 'admin:read:ip_blocks', 'manage_blocks');
  const ipWrite = rule('user', 'admin:write:ip_blocks', 'manage_blocks');
  const ipInput = (body: Params): blocks.IpBlockInput => ({
    ip: str(body, 'ip', 64), severity: severity(body), comment: str(body, 'comment', blocks.BLOCK_LIMITS.comment), expiresIn: expiresIn(body),
  });
  app.get('/api/v1/admin/ip_blocks', { config: ipRead }, async (request, reply) =>
    (await paginated(ctx, request, reply, (page) => blocks.listIpBlocks(ctx.db, page), { limits: [100, 200] })).map(serializeIpBlock));
  app.get<WithId>('/api/v1/admin/ip_blocks/:id', { config: ipRead }, async (request) => serializeIpBlock(await blocks.getIpBlock(ctx.db, idParam(request.params.id))));
  app.post('/api/v1/admin/ip_blocks', { config: ipWrite }, async (request) => {
    const input = ipInput(bodyOf(request.body));
    return serializeIpBlock(await blocks.getIpBlock(ctx.db, await create(request, 'ip_blocks', (tx) => blocks.createIpBlock(tx, viewer(request), input))));
  });
  app.put<WithId>('/api/v1/admin/ip_blocks/:id', { config: ipWrite }, async (request) => {
    const input = ipInput(bodyOf(request.body));
    return serializeIpBlock(await ctx.db.transaction((tx) => blocks.updateIpBlock(tx, viewer(request), idParam(request.params.id), input)));
  });
  app.delete<WithId>('/api/v1/admin/ip_blocks/:id', { config: ipWrite }, async (request) => {
    await idempotentWrite(ctx, viewer(request), idempotencyKey(request), `DELETE /api/v1/admin/ip_blocks/${request.params.id}`, async (tx) => {
      await blocks.deleteIpBlock(tx, viewer(request), idParam(request.params.id));
      return {};
    });
    return {};
  });

  // --- E-mail domain blocks
  const emailRead = rule('user', 'admin:read:email_domain_blocks', 'manage_blocks');
  const emailWrite = rule('user', 'admin:write:email_domain_blocks', 'manage_blocks');
  app.get('/api/v1/admin/email_domain_blocks', { config: emailRead }, async (request, reply) =>
    (await paginated(ctx, request, reply, (page) => blocks.listEmailDomainBlocks(ctx.db, page), { limits: [100, 200] })).map(serializeEmailDomainBlock));
  app.get<WithId>('/api/v1/admin/email_domain_blocks/:id', { config: emailRead }, async (request) =>
    serializeEmailDomainBlock(await blocks.getEmailDomainBlock(ctx.db, idParam(request.params.id))));
  app.post('/api/v1/admin/email_domain_blocks', { config: emailWrite }, async (request) => {
    const body = bodyOf(request.body);
    const input = { domain: str(body, 'domain', 300), allowWithApproval: flag(body, 'allow_with_approval') };
    return serializeEmailDomainBlock(await blocks.getEmailDomainBlock(ctx.db, await create(request, 'email_domain_blocks', (tx) => blocks.createEmailDomainBlock(tx, viewer(request), input))));
  });
  app.delete<WithId>('/api/v1/admin/email_domain_blocks/:id', { config: emailWrite }, async (request) => {
    await idempotentWrite(ctx, viewer(request), idempotencyKey(request), `DELETE /api/v1/admin/email_domain_blocks/${request.params.id}`, async (tx) => {
      await blocks.deleteEmailDomainBlock(tx, viewer(request), idParam(request.params.id));
      return {};
    });
    return {};
  });

  // --- Canonical e-mail blocks
  const canonicalRead = rule('user', 'admin:read:canonical_email_blocks', 'manage_blocks');
  const canonicalWrite = rule('user', 'admin:write:canonical_email_blocks', 'manage_blocks');
  app.get('/api/v1/admin/canonical_email_blocks', { config: canonicalRead }, async (request, reply) =>
    (await paginated(ctx, request, reply, (page) => blocks.listCanonicalEmailBlocks(ctx.db, page), { limits: [100, 200] })).map(serializeCanonicalEmailBlock));
  app.get<WithId>('/api/v1/admin/canonical_email_blocks/:id', { config: canonicalRead }, async (request) =>
    serializeCanonicalEmailBlock(await blocks.getCanonicalEmailBlock(ctx.db, idParam(request.params.id))));
  app.post('/api/v1/admin/canonical_email_blocks/test', { config: canonicalRead }, async (request) => {
    const email = str(bodyOf(request.body), 'email', 320);
    if (!email) throw unprocessable("Validation failed: Email can't be blank");
    return (await blocks.matchingCanonicalEmailBlocks(ctx.db, email)).map(serializeCanonicalEmailBlock);
  });
  app.post('/api/v1/admin/canonical_email_blocks', { config: canonicalWrite }, async (request) => {
    const body = bodyOf(request.body);
    const input = { email: str(body, 'email', 320) || undefined, hash: str(body, 'canonical_email_hash', 100) || undefined };
    return serializeCanonicalEmailBlock(await blocks.getCanonicalEmailBlock(ctx.db, await create(request, 'canonical_email_blocks', (tx) => blocks.createCanonicalEmailBlock(tx, viewer(request), input))));
  });
  app.delete<WithId>('/api/v1/admin/canonical_email_blocks/:id', { config: canonicalWrite }, async (request) => {
    await idempotentWrite(ctx, viewer(request), idempotencyKey(request), `DELETE /api/v1/admin/canonical_email_blocks/${request.params.id}`, async (tx) => {
      await blocks.deleteCanonicalEmailBlock(tx, viewer(request), idParam(request.params.id));
      return {};
    });
    return {};
  });

  // --- Federation: none
  for (const kind of ['domain_blocks', 'domain_allows'] as const) {
    const read = rule('user', `admin:read:${kind}`, 'manage_federation');
    const write = rule('user', `admin:write:${kind}`, 'manage_federation');
    app.get(`/api/v1/admin/${kind}`, { config: read }, async (request) => { parsePage(request.query as Params); return []; });
    app.get<WithId>(`/api/v1/admin/${kind}/:id`, { config: read }, async (request) => { idParam(request.params.id); throw notFound(); });
    app.post(`/api/v1/admin/${kind}`, { config: write }, async () => {
      throw unprocessable('Firebreak does not federate: there are no other servers to block or allow');
    });
    app.delete<WithId>(`/api/v1/admin/${kind}/:id`, { config: write }, async (request) => { idParam(request.params.id); throw notFound(); });
  }
}
