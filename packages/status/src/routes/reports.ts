// "Report a problem": the JSON API the page's script uses, the same report from the HTML form for
// browsers without JavaScript, and the 24-hour report chart the script redraws. Validation, the
// reporter identity and the form's token are in ../reports.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StatusContext } from '../context.js';
import { forbidden, unsupportedMediaType } from '../errors.js';
import { headline } from '../page-html.js';
import { FORM_COOKIE, formTokenMatches, parseReport, reporterHash } from '../reports.js';

/** A browser's Origin, when it sends one, must be this service: cross-site posts are refused. */
function requireSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try { host = new URL(origin).host; } catch { host = undefined; }
  if (host !== request.headers.host) throw forbidden('cross-site reports are not accepted');
}

export default async function reports(app: FastifyInstance, ctx: StatusContext) {
  const { store, engine, clock, salt, config } = ctx;

  async function submitReport(request: FastifyRequest) {
    const input = parseReport(request.body);
    const counted = await store.addReport({ at: new Date(clock.now()), problem: input.problem, body: input.text, reporter: reporterHash(salt, request.ip) });
    return { counted, problem: input.problem, text: input.text };
  }

  const reportLimit = { rateLimit: { max: config.reportRequestsPerMinute, timeWindow: 60_000 } };

  // JSON only: a page elsewhere cannot send JSON here without a CORS preflight, which is never granted.
  app.post('/api/v1/reports', { config: reportLimit }, async (request, reply) => {
    requireSameOrigin(request);
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) throw unsupportedMediaType('reports are sent as application/json');
    const r = await submitReport(request);
    return reply.code(r.counted ? 201 : 200).send({
      counted: r.counted, problem: r.problem, text: r.text,
      message: r.counted ? 'report counted' : 'already reported from this address this hour; not counted again',
    });
  });

  // The same report from the HTML form, for browsers without JavaScript: with the page's token.
  app.post('/report', { config: reportLimit }, async (request, reply) => {
    requireSameOrigin(request);
    const field = (request.body as Record<string, unknown> | undefined)?.form_token;
    if (!formTokenMatches(request.cookies[FORM_COOKIE], field)) throw forbidden('the form has expired; reload the page and report again');
    const r = await submitReport(request);
    return reply.redirect(`/?report=${r.counted ? 'counted' : 'duplicate'}#report`, 303);
  });

  app.get('/api/v1/reports/chart', async () => {
    const chart = await engine.chart();
    return { ...chart, overall: engine.overall(), headline: headline(engine.overall(), config.pageName), level: engine.reportLevel() ?? null };
  });
}
