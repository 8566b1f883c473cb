// The default avatar and header every account has (there are no uploads yet): one neutral image.
import type { FastifyInstance } from 'fastify';

const svg = (fill: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120"><rect width="120" height="120" fill="${fill}"/><circle cx="60" cy="46" r="22" fill="#fff" opacity=".85"/><rect x="24" y="76" width="72" height="40" rx="20" fill="#fff" opacity=".85"/></svg>`);
const avatar = svg('#8899a6');
const header = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 200"><rect width="600" height="200" fill="#cfd9de"/></svg>');

export default async function media(app: FastifyInstance) {
  const send = (body: Buffer) => async (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').header('content-security-policy', "default-src 'none'").send(body);
  app.get('/avatars/original/missing.png', send(avatar));
  app.get('/headers/original/missing.png', send(header));
}
