// Serving media: stored files at /system/files/<sha256>.<ext>, and the default avatar and header.
// Names are content-addressed, so a file never changes: cached by everyone for a year, and by this
// server in memory (bounded) so a popular picture costs no storage round trip. Sent as what processing
// made of it (the type from the name it gave), never sniffed by browsers, never as a page. The
// store keeps recently served files in memory (media/store.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';
import { typeOfKey } from '../media/keys.js';

const FILE_NAME = /^[0-9a-f]{64}\.(jpg|png|webp|gif|mp4|mp3)$/;
/** Headers every served file carries: immutable, typed, and inert even if opened as a page. */
function fileHeaders(reply: FastifyReply, contentType: string, etag: string): FastifyReply {
  return reply.type(contentType)
    .header('cache-control', 'public, max-age=31536000, immutable')
    .header('etag', `"${etag}"`)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cross-origin-resource-policy', 'cross-origin')
    .header('accept-ranges', 'bytes');
}

/** One `bytes=a-b` range (video players on iOS ask for them); anything else gets the whole file. */
function sendRange(request: FastifyRequest, reply: FastifyReply, bytes: Buffer): FastifyReply {
  const m = /^bytes=(\d*)-(\d*)$/.exec(String(request.headers.range ?? ''));
  if (!m || (m[1] === '' && m[2] === '')) return reply.send(bytes);
  const size = bytes.length;
  const start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start > end || start >= size) return reply.code(416).header('content-range', `bytes */${size}`).send();
  return reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`).send(bytes.subarray(start, end + 1));
}

export default async function media(app: FastifyInstance, ctx: AppContext) {
  const assets = fileURLToPath(new URL('../../../assets/', import.meta.url));
  const defaults = {
    avatar: readFileSync(`${assets}avatar-missing.png`),
    header: readFileSync(`${assets}header-missing.png`),
  };
  const sendDefault = (bytes: Buffer) => async (_request: FastifyRequest, reply: FastifyReply) =>
    fileHeaders(reply, 'image/png', 'default').header('cache-control', 'public, max-age=86400').send(bytes);
  app.get('/avatars/original/missing.png', sendDefault(defaults.avatar));
  app.get('/headers/original/missing.png', sendDefault(defaults.header));

  app.get<{ Params: { name: string } }>('/system/files/:name', async (request, reply) => {
    const { name } = request.params;
    if (!FILE_NAME.test(name)) throw notFound();
    const key = `files/${name}`;
    const etag = name.slice(0, 64);
    if (request.headers['if-none-match'] === `"${etag}"`) return fileHeaders(reply, typeOfKey(key), etag).code(304).send();
    const blob = await ctx.media.store.getCached(key);
    if (!blob) throw notFound();
    return sendRange(request, fileHeaders(reply, typeOfKey(key), etag), blob.bytes);
  });
}
