// The status page (/) and what it loads: the HTML from page-html.ts with the model built here from the
// engine and the store, its stylesheet and script, and incident links that land on the page.
import type { FastifyInstance } from 'fastify';
import type { StatusContext } from '../context.js';
import { DAY_MS, PROBLEM_TYPES } from '../detector.js';
import { STATUS_CSS, STATUS_JS, renderPage, type PageModel, type UptimeRow } from '../page-html.js';
import { FORM_COOKIE, newFormToken } from '../reports.js';
import { statusJson } from '../statuspage-json.js';
import type { ComponentStatus } from '../store.js';

export default async function page(app: FastifyInstance, ctx: StatusContext) {
  const { config, store, engine, clock } = ctx;

  app.get('/', async (request, reply) => {
    const q = request.query as { report?: string };
    const flash = q.report === 'counted' || q.report === 'duplicate' ? q.report : null;
    // The form's token: the visitor's own, from their cookie, or a new one (reports.ts).
    const existing = request.cookies[FORM_COOKIE];
    const formToken = existing && /^[\w-]{24}$/.test(existing) ? existing : newFormToken();
    if (formToken !== existing) {
      reply.setCookie(FORM_COOKIE, formToken, { path: '/', httpOnly: true, sameSite: 'strict', secure: config.publicUrl.startsWith('https:') });
    }
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return renderPage(await pageModel(flash, formToken));
  });
  app.get('/incidents/:id', async (request, reply) => reply.redirect(`/#incident-${encodeURIComponent((request.params as { id: string }).id)}`, 302));

  app.get('/static/status.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(STATUS_CSS));
  app.get('/static/status.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(STATUS_JS));

  // Browsers ask for it on every page; an empty answer keeps the logs and consoles clean.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

  async function pageModel(flash: PageModel['flash'], formToken: string): Promise<PageModel> {
    const now = clock.now();
    const chart = await engine.chart();
    const counts = await store.reportCountsBetween(new Date(now - DAY_MS), new Date(now));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const mostReported = PROBLEM_TYPES.map((p) => ({ problem: p, count: counts.get(p) ?? 0, share: total ? ((counts.get(p) ?? 0) / total) * 100 : 0 }))
      .filter((r) => r.count > 0).sort((a, b) => b.count - a.count);
    return {
      pageName: config.pageName,
      overall: engine.overall(),
      description: statusJson(engine.componentViews(), engine.overall()).description,
      components: engine.componentViews(),
      chart: chart.slots,
      mostReported,
      uptime: await uptimeRows(now),
      incidents: (await store.recentIncidents(10)),
      flash,
      formToken,
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
}
