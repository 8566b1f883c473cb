// The web UI: one HTML shell for every page path (the client routes), the compiled client modules
// (dist/src/web/client/**/*.js and the status-length rule they share with the server,
// dist/src/shared/*.js) and the stylesheet (assets/style.css), all loaded once at start-up,
// gzip-compressed once, and served with ETags. Plus the session endpoints (session.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import session from './session.js';

export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

interface Asset { type: string; body: Buffer; gzip: Buffer; etag: string }

function asset(type: string, body: Buffer): Asset {
  return { type, body, gzip: gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

/**
 * Module folders under dist/src. A module is served at its path there (/web/client/app.js,
 * /shared/status-length.js), so the relative imports tsc leaves in place resolve in the browser as
 * they do on disk. Only files found at start-up get a route: no path from a request reaches the disk.
 */
const MODULE_FOLDERS = ['web/client', 'shared'];
const ENTRY = '/web/client/app.js';

function loadAssets(): Map<string, Asset> {
  const distSrc = fileURLToPath(new URL('../', import.meta.url));
  const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
  const assets = new Map<string, Asset>();
  for (const folder of MODULE_FOLDERS) {
    for (const file of readdirSync(join(distSrc, folder), { recursive: true, encoding: 'utf8' })) {
      if (file.endsWith('.js')) assets.set(`/${folder}/${file.split(sep).join('/')}`, asset('text/javascript; charset=utf-8', readFileSync(join(distSrc, folder, file))));
    }
  }
  assets.set('/web/style.css', asset('text/css; charset=utf-8', readFileSync(join(packageRoot, 'assets', 'style.css'))));
  return assets;
}

/** Static imports and re-exports of relative modules, on one line or several (`import {\n a,\n} from './a.js'`). */
const RELATIVE_IMPORT = /^\s*(?:import|export)\s(?:[^;'"]*\sfrom\s*)?['"](\.\.?\/[^'"]+)['"]/gm;

/** URLs of the modules `entry` imports, directly or not (type-only imports are erased by tsc, so not listed). */
function importedModules(assets: Map<string, Asset>, entry: string, found = new Set<string>()): Set<string> {
  for (const m of assets.get(entry)!.body.toString().matchAll(RELATIVE_IMPORT)) {
    const url = new URL(m[1]!, `http://page${entry}`).pathname;
    if (!found.has(url) && assets.has(url)) { found.add(url); importedModules(assets, url, found); }
  }
  return found;
}

/** The shell. Modules are preloaded so the browser fetches them in parallel, not import by import. */
function shell(assets: Map<string, Asset>): Asset {
  const modules = [...importedModules(assets, ENTRY)];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Firebreak</title>
<link rel="stylesheet" href="/web/style.css">
${modules.map((m) => `<link rel="modulepreload" href="${m}">`).join('\n')}
<script type="module" src="${ENTRY}"></script>
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
const PAGE_PATHS = ['/', '/public', '/public/local', '/notifications', '/follow_requests', '/search', '/settings', '/bookmarks', '/sign_in', '/sign_up', '/tags/:tag', '/@:acct', '/@:acct/:rest',
  '/invite/:code', '/moderation', '/moderation/accounts', '/moderation/log', '/moderation/reports/:report', '/moderation/accounts/:account'];

/** Service workers may control the whole site from where they are served (web/client/). */
const SERVICE_WORKERS = new Set(['/web/client/service-worker.js']);

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
  for (const [path, a] of assets) {
    app.get(path, async (request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
      if (SERVICE_WORKERS.has(path)) reply.header('service-worker-allowed', '/');
      // Revalidated on each load (cheap 304s); file names carry no version to bust a longer cache.
      return send(request, reply, a, 'no-cache');
    });
  }
  await session(app, ctx);
}
