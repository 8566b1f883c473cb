// The public machine-readable status: Statuspage v2-shaped JSON under /api/v2 (summary, status,
// components, incidents) and the incident history as an Atom feed.
import type { FastifyInstance } from 'fastify';
import type { StatusContext } from '../context.js';
import { atomFeed } from '../history-feed.js';
import { componentJson, incidentJson, pageJson, statusJson, type PageInfo } from '../statuspage-json.js';

const INCIDENT_HISTORY_LIMIT = 50;

export default async function statuspage(app: FastifyInstance, ctx: StatusContext) {
  const { config, store, engine, clock } = ctx;
  const pageInfo = (): PageInfo => ({ name: config.pageName, url: config.publicUrl, updatedAt: new Date(clock.now()) });
  const componentsJson = () => engine.componentViews().map((c, i) => componentJson(c, i + 1, ctx.startedAt));
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
}
