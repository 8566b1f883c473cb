// The web UI: one HTML shell for every page path (the client routes), the compiled client modules
// (dist/src/web/client/*.js) and the stylesheet (assets/style.css), all loaded once at start-up,
// gzip-compressed once, and served with ETags. Plus the session endpoints (session.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import session from './session.js';

export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

interface Asset { type: string; body: Buffer; gzip: Buffer; etag: string }

function asset(type: string, body: Buffer): Asset {
  return { type, body, gzip: gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

function loadAssets(): Map<string, Asset> {
  const clientDir = fileURLToPath(new URL('./client/', import.meta.url));
  const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
  const assets = new Map<string, Asset>();
  for (const file of readdirSync(clientDir)) {
    if (file.endsWith('.js')) assets.set(file, asset('text/javascript; charset=utf-8', readFileSync(join(clientDir, file))));
  }
  assets.set('style.css', asset('text/css; charset=utf-8', readFileSync(join(packageRoot, 'assets', 'style.css'))));
  return assets;
}

/** Modules app.js imports, directly or not (type-only imports are erased by tsc, so not listed). */
function importedModules(assets: Map<string, Asset>, entry: string, found = new Set<string>()): Set<string> {
  for (const m of assets.get(entry)!.body.toString().matchAll(/^import .* from '\.\/([\w-]+\.js)';$/gm)) {
    if (!found.has(m[1]!) && assets.has(m[1]!)) { found.add(m[1]!); importedModules(assets, m[1]!, found); }
  }
  return found;
}

/** The shell. Modules are preloaded so the browser fetches them in parallel, not import by import. */
function shell(assets: Map<string, Asset>): Asset {
  const modules = [...importedModules(assets, 'app.js')];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Firebreak</title>
<link rel="stylesheet" href="/web/style.css">
${modules.map((m) => `<link rel="modulepreload" href="/web/${m}">`).join('\n')}
<script type="module" src="/web/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<div class="layout">
<header class="sidebar">
<a class="brand" href="/" aria-label="Firebreak home">Firebreak</a>
<nav id="nav" aria-label="Main"></nav>
</header>
<main id="main" tabindex="-1"><p class="loading" role="status">Loading…</p></main>
<aside class="aside" id="aside"></aside>
</div>
<div id="toast" role="status" aria-live="polite"></div>
</body>
</html>
`;
  return asset('text/html; charset=utf-8', Buffer.from(html));
}

function send(request: FastifyRequest, reply: FastifyReply, a: Asset, cacheControl: string) {
  reply.header('etag', a.etag).header('cache-control', cacheControl).header('vary', 'accept-encoding').type(a.type);
  if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
  if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(a.gzip);
  return reply.send(a.body);
}

/** Paths the client router handles; each gets the shell. */
const PAGE_PATHS = ['/', '/public', '/public/local', '/notifications', '/follow_requests', '/search', '/settings', '/bookmarks', '/sign_in', '/sign_up', '/tags/:tag', '/@:acct', '/@:acct/:rest'];

export default async function web(app: FastifyInstance, ctx: AppContext) {
  const assets = loadAssets();
  const page = shell(assets);
  for (const path of PAGE_PATHS) {
    app.get(path, async (request, reply) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY')
        .header('referrer-policy', 'same-origin').header('cross-origin-opener-policy', 'same-origin');
      return send(request, reply, page, 'no-cache');
    });
  }
  app.get<{ Params: { file: string } }>('/web/:file', async (request, reply) => {
    const a = assets.get(request.params.file);
    if (!a) return reply.code(404).send({ error: 'Not found' });
    reply.header('x-content-type-options', 'nosniff');
    // Revalidated on each load (cheap 304s); file names carry no version to bust a longer cache.
    return send(request, reply, a, 'no-cache');
  });
  await session(app, ctx);
}
