// HTTP boundary of the status service: routes, security headers, rate limits, and the one place
// where typed errors (and Fastify's own client errors) become HTTP answers. Bad input is a 4xx
// with {"error": "..."}; only our own bugs become a 500.
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { StatusConfig } from './config.js';
import { DAY_MS, PROBLEM_TYPES, type ProblemType } from './detector.js';
import type { StatusEngine } from './engine.js';
import { StatusError, badRequest, notFound, unauthorized } from './errors.js';
import { STATUS_CSS, STATUS_JS, headline, renderPage, type PageModel, type UptimeRow } from './page.js';
import { REPORTER_COOKIE, addressHash, newReporterCookie, parseReport, reporterHash, validReporterCookie } from './reports.js';
import { atomFeed, componentJson, incidentJson, pageJson, statusJson, type PageInfo } from './statuspage.js';
import type { ComponentStatus, Impact, IncidentStatus, StatusStore } from './store.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const INCIDENT_STATUSES: IncidentStatus[] = ['investigating', 'identified', 'monitoring', 'resolved'];
const IMPACTS: Impact[] = ['none', 'minor', 'major', 'critical'];
const INCIDENT_HISTORY_LIMIT = 50;

export interface ServerDeps {
  config: StatusConfig;
  store: StatusStore;
  engine: StatusEngine;
  clock: Clock;
  log: Logger;
  salt: string;
  startedAt: Date;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, store, engine, clock, salt } = deps;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    trustProxy: config.trustProxy,
    bodyLimit: 16 * 1024,
    connectionTimeout: 15_000,
    requestTimeout: 15_000,
    keepAliveTimeout: 5_000,
    routerOptions: { maxParamLength: 100 },
    logController: new LogController({ disableRequestLogging: true }),
  });

  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(cookie);
  // Awaited: the plugin hooks routes as they are added, so it must be loaded before them.
  await app.register(rateLimit, {
    global: true,
    max: 600,
    timeWindow: 60_000,
    cache: 10_000,
    errorResponseBuilder: (_req, ctx) => new StatusError(429, 'rate_limited', `too many requests; try again in ${ctx.after}`),
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    if (err instanceof StatusError) return reply.code(err.statusCode).send({ error: err.message });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      request.log.error({ err }, 'status service error');
      return reply.code(500).send({ error: 'internal error' });
    }
    return reply.code(status).send({ error: err.message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (request.url.startsWith('/api/v2/')) reply.header('access-control-allow-origin', '*');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
    return payload;
  });

  const pageInfo = (): PageInfo => ({ name: config.pageName, url: config.publicUrl, updatedAt: new Date(clock.now()) });

  function requireAdmin(request: FastifyRequest): void {
    if (!config.adminToken) throw unauthorized('operator actions are disabled (FIREBREAK_STATUS_ADMIN_TOKEN is not set)');
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    // Hash both sides so the comparison is constant-time whatever the lengths.
    if (!timingSafeEqual(sha256(given), sha256(config.adminToken))) throw unauthorized();
  }

  async function submitReport(request: FastifyRequest, reply: FastifyReply): Promise<{ counted: boolean; problem: ProblemType; text: string | null }> {
    const input = parseReport(request.body);
    let reporter = request.cookies[REPORTER_COOKIE];
    if (!validReporterCookie(reporter)) {
      reporter = newReporterCookie();
      reply.setCookie(REPORTER_COOKIE, reporter, {
        path: '/', httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600, secure: config.publicUrl.startsWith('https:'),
      });
    }
    const counted = await store.addReport({
      at: new Date(clock.now()), problem: input.problem, body: input.text,
      reporter: reporterHash(salt, request.ip, reporter), address: addressHash(salt, request.ip),
      maxPerAddress: config.countedReportsPerAddressPerHour,
    });
    return { counted, ...input };
  }

  const reportLimit = { rateLimit: { max: config.reportRequestsPerMinute, timeWindow: 60_000 } };

  app.post('/api/v1/reports', { config: reportLimit }, async (request, reply) => {
    const r = await submitReport(request, reply);
    return reply.code(r.counted ? 201 : 200).send({
      counted: r.counted, problem: r.problem, text: r.text,
      message: r.counted ? 'report counted' : 'already reported this hour (or address limit reached); not counted again',
    });
  });

  // The same report from the HTML form, for browsers without JavaScript.
  app.post('/report', { config: reportLimit }, async (request, reply) => {
    const r = await submitReport(request, reply);
    return reply.redirect(`/?report=${r.counted ? 'counted' : 'duplicate'}#report`, 303);
  });

  app.get('/api/v1/reports/chart', async () => {
    const chart = await engine.chart();
    return { ...chart, overall: engine.overall(), headline: headline(engine.overall(), config.pageName), level: engine.reportLevel() ?? null };
  });

  app.get('/', async (request, reply) => {
    const q = request.query as { report?: string };
    const flash = q.report === 'counted' || q.report === 'duplicate' ? q.report : null;
    reply.type('text/html; charset=utf-8');
    return renderPage(await pageModel(flash));
  });
  app.get('/incidents/:id', async (request, reply) => reply.redirect(`/#incident-${encodeURIComponent((request.params as { id: string }).id)}`, 302));

  app.get('/static/status.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(STATUS_CSS));
  app.get('/static/status.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(STATUS_JS));

  // Browsers ask for it on every page; an empty answer keeps the logs and consoles clean.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());
  app.get('/healthz', async () => ({ status: 'ok' }));

  // ---- Statuspage-shaped JSON ----
  const componentsJson = () => engine.componentViews().map((c, i) => componentJson(c, i + 1, deps.startedAt));
  const status = () => statusJson(engine.componentViews(), engine.overall());

  app.get('/api/v2/summary.json', async () => ({
    page: pageJson(pageInfo()),
    status: status(),
    components: componentsJson(),
    incidents: (await store.unresolvedIncidents()).map((i) => incidentJson(i, config.publicUrl)),
    scheduled_maintenances: [],
  }));
  app.get('/api/v2/status.json', async () => ({ page: pageJson(pageInfo()), status: status() }));
  app.get('/api/v2/components.json', async () => ({ page: pageJson(pageInfo()), components: componentsJson() }));
  app.get('/api/v2/incidents.json', async () => ({
    page: pageJson(pageInfo()),
    incidents: (await store.recentIncidents(INCIDENT_HISTORY_LIMIT)).map((i) => incidentJson(i, config.publicUrl)),
  }));
  app.get('/api/v2/incidents/unresolved.json', async () => ({
    page: pageJson(pageInfo()),
    incidents: (await store.unresolvedIncidents()).map((i) => incidentJson(i, config.publicUrl)),
  }));
  app.get('/history.atom', async (_req, reply) => {
    reply.type('application/atom+xml; charset=utf-8');
    return atomFeed(pageInfo(), await store.recentIncidents(INCIDENT_HISTORY_LIMIT));
  });

  // ---- operator ----
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

  async function pageModel(flash: PageModel['flash']): Promise<PageModel> {
    const now = clock.now();
    const chart = await engine.chart();
    const counts = await store.reportCountsBetween(new Date(now - DAY_MS), new Date(now));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const mostReported = PROBLEM_TYPES.map((p) => ({ problem: p, count: counts.get(p) ?? 0, share: total ? ((counts.get(p) ?? 0) / total) * 100 : 0 }))
      .filter((r) => r.count > 0).sort((a, b) => b.count - a.count);
    return {
      pageName: config.pageName,
      overall: engine.overall(),
      description: status().description,
      components: engine.componentViews(),
      chart: chart.slots,
      mostReported,
      uptime: await uptimeRows(now),
      incidents: (await store.recentIncidents(10)),
      flash,
      now: new Date(now),
    };
  }

  async function uptimeRows(now: number): Promise<UptimeRow[]> {
    const days = await store.componentDays(new Date(now - 89 * DAY_MS));
    const dayList = Array.from({ length: 90 }, (_, i) => new Date(now - (89 - i) * DAY_MS).toISOString().slice(0, 10));
    return engine.componentViews().map((c) => {
      const rows = new Map(days.filter((d) => d.component === c.id).map((d) => [d.day, d.ms]));
      let up = 0, total = 0;
      const list = dayList.map((day) => {
        const ms = rows.get(day);
        const sum = ms ? ms.operational + ms.degraded_performance + ms.partial_outage + ms.major_outage : 0;
        if (!ms || sum === 0) return { day, status: 'nodata' as const, uptime: null };
        // Statuspage's convention: a major outage counts fully as downtime, a partial one at 30%.
        const dayUp = sum - ms.major_outage - 0.3 * ms.partial_outage;
        up += dayUp;
        total += sum;
        const status: ComponentStatus = ms.major_outage ? 'major_outage' : ms.partial_outage ? 'partial_outage' : ms.degraded_performance ? 'degraded_performance' : 'operational';
        return { day, status, uptime: (dayUp / sum) * 100 };
      });
      return { component: c.id, name: c.name, days: list, uptime: total ? (up / total) * 100 : null };
    });
  }

  return app;
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
