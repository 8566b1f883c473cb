// "Report a problem": the JSON API the page's script uses, the same report from the HTML form for
// browsers without JavaScript, and the 24-hour report chart the script redraws. Validation and the
// anonymous reporter identity are in ../reports.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StatusContext } from '../context.js';
import type { ProblemType } from '../detector.js';
import { headline } from '../page-html.js';
import { REPORTER_COOKIE, addressHash, newReporterCookie, parseReport, reporterHash, validReporterCookie } from '../reports.js';

export default async function reports(app: FastifyInstance, ctx: StatusContext) {
  const { config, store, engine, clock, salt } = ctx;

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
}
