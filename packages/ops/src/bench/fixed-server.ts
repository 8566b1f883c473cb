// The HTTP stack's ceiling: Fastify answering the home timeline route with a fixed 20-status body
// (a real response captured from the app), serialised on every request as the app's would be, with no
// database and no auth. Run as its own process, like the app: `firebreak bench fixed-server FILE`.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

export async function serveFixedBody(bodyFile: string, imageFile?: string): Promise<number> {
  const body = JSON.parse(readFileSync(bodyFile, 'utf8')) as unknown;
  const app = Fastify({ logger: false });
  app.get('/readyz', async () => ({ status: 'ok' }));
  app.get('/api/v1/timelines/home', async () => body);
  // The media bench's ceiling: one image from memory, with the headers the app sends with a file.
  if (imageFile) {
    const image = readFileSync(imageFile);
    app.get('/image', async (_request, reply) => reply.type('image/jpeg').header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', '"fixed"').header('x-content-type-options', 'nosniff').header('content-security-policy', "default-src 'none'; sandbox")
      .header('cross-origin-resource-policy', 'cross-origin').header('accept-ranges', 'bytes').send(image));
  }
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
  await new Promise<void>((resolve) => { process.once('SIGTERM', resolve); process.once('SIGINT', resolve); });
  await app.close();
  return 0;
}
