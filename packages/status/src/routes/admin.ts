// Operator actions on incidents (open one, post an update or resolve it), behind the bearer token
// FIREBREAK_STATUS_ADMIN_TOKEN. The engine opens and resolves incidents by itself; these are for
// people.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StatusContext } from '../context.js';
import { badRequest, notFound, unauthorized } from '../errors.js';
import { incidentJson } from '../statuspage-json.js';
import type { Impact, IncidentStatus } from '../store.js';

const INCIDENT_STATUSES: IncidentStatus[] = ['investigating', 'identified', 'monitoring', 'resolved'];
const IMPACTS: Impact[] = ['none', 'minor', 'major', 'critical'];

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export default async function admin(app: FastifyInstance, ctx: StatusContext) {
  const { config, engine } = ctx;

  function requireAdmin(request: FastifyRequest): void {
    if (!config.adminToken) throw unauthorized('operator actions are disabled (FIREBREAK_STATUS_ADMIN_TOKEN is not set)');
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    // Hash both sides so the comparison is constant-time whatever the lengths.
    if (!timingSafeEqual(sha256(given), sha256(config.adminToken))) throw unauthorized();
  }

  app.post('/api/v1/admin/incidents', async (request, reply) => {
    requireAdmin(request);
    const b = objectBody(request.body);
    const name = text(b.name, 'name', 200);
    const body = text(b.body, 'body', 5000);
    const status = oneOf(b.status ?? 'investigating', 'status', INCIDENT_STATUSES);
    const impact = oneOf(b.impact ?? 'minor', 'impact', IMPACTS);
    const components = b.components ?? [];
    if (!Array.isArray(components) || components.length > 20 || !components.every((c) => typeof c === 'string' && engine.knownComponent(c))) {
      throw badRequest('"components" must be a list of known component ids');
    }
    const incident = await engine.operatorCreate(name, status, body, impact, components as string[]);
    return reply.code(201).send(incidentJson(incident, config.publicUrl));
  });

  app.post('/api/v1/admin/incidents/:id/updates', async (request, reply) => {
    requireAdmin(request);
    const b = objectBody(request.body);
    const status = oneOf(b.status, 'status', INCIDENT_STATUSES);
    const body = text(b.body, 'body', 5000);
    const incident = await engine.operatorUpdate((request.params as { id: string }).id, status, body);
    if (!incident) throw notFound('no such incident');
    return reply.code(201).send(incidentJson(incident, config.publicUrl));
  });
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('expected a JSON object');
  return body as Record<string, unknown>;
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`"${field}" is required`);
  if (value.length > max) throw badRequest(`"${field}" must be at most ${max} characters`);
  return value.trim();
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw badRequest(`"${field}" must be one of: ${allowed.join(', ')}`);
  return value as T;
}
