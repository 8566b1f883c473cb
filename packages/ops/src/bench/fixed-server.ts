// The HTTP stack's ceiling: Fastify answering the home timeline route with a fixed 20-status body
// (a real response captured from the app), serialised on every request as the app's would be, with no
// database and no auth. Run as its own process, like the app: `firebreak bench fixed-server FILE`.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

export async function serveFixedBody(bodyFile: string): Promise<number> {
  const body = JSON.parse(readFileSync(bodyFile, 'utf8')) as unknown;
  const app = Fastify({ logger: false });
  app.get('/readyz', async () => ({ status: 'ok' }));
  app.get('/api/v1/timelines/home', async () => body);
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
  await new Promise<void>((resolve) => { process.once('SIGTERM', resolve); process.once('SIGINT', resolve); });
  await app.close();
  return 0;
}
