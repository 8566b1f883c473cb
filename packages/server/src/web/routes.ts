// The web UI: one HTML shell for every page path (the client routes), the compiled client modules
// (dist/src/web/client/**/*.js and the status-length rule they share with the server,
// dist/src/shared/*.js), the service worker (dist/src/web/worker/*.js), the stylesheet
// (assets/style.css) and the favicon, all loaded once at start-up, compressed once (brotli and
// gzip), and served with ETags; emoji images for machines without an emoji font. Plus the session
// endpoints (session.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import session from './session.js';

export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

interface Asset { type: string; body: Buffer; br: Buffer; gzip: Buffer; etag: string }

/** Compressed once, here, at the highest settings. */
function asset(type: string, body: Buffer): Asset {
  return {
    type, body,
    br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    gzip: gzipSync(body, { level: 9 }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
  };
}

/**
 * Module folders under dist/src. A module is served at its path there (/web/client/app.js,
 * /shared/status-length.js), so the relative imports tsc leaves in place resolve in the browser as
 * they do on disk. Only files found at start-up get a route: no path from a request reaches the disk.
 */
const MODULE_FOLDERS = ['web/client', 'web/worker', 'shared'];
const ENTRY = '/web/client/app.js';
/** Served from /web/worker/, it controls the whole origin (Service-Worker-Allowed). */
export const SERVICE_WORKER = '/web/worker/service-worker.js';
const FAVICON = '/favicon.svg';

/** The flame of the brand, in its colour; also what /favicon.ico answers (browsers ask for it unprompted). */
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#c2410c"/><path fill="#fff" d="M16 4c1 5 7 8 7 15a7 7 0 0 1-14 0c0-3 1.5-5 3.5-6.5C12 16 14 17 15 15c1.5-3 .5-7 1-11z"/></svg>`;

/**
 * Emoji for machines without a colour emoji font: Twemoji's SVGs (@twemoji/svg), one small file per
 * emoji, served at /web/emoji/<version>/<code points>.svg and fetched only for the emoji a page shows
 * (client/emoji.ts). Only names found at start-up are served; each is read and compressed once.
 */
function emojiImages(): { version: string; names: Set<string>; dir: string } {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@twemoji/svg/package.json'));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { version, dir, names: new Set(readdirSync(dir).filter((f) => /^[0-9a-f-]+\.svg$/.test(f))) };
}

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
  assets.set(FAVICON, asset('image/svg+xml', Buffer.from(FAVICON_SVG)));
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
function shell(assets: Map<string, Asset>, emojiBase: string): Asset {
  const modules = [...importedModules(assets, ENTRY)];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="theme-color" content="#c2410c">
<meta name="emoji-images" content="${emojiBase}">
<title>Firebreak</title>
<link rel="icon" href="${FAVICON}" type="image/svg+xml">
<link rel="stylesheet" href="/web/style.css">
${modules.map((m) => `<link rel="modulepreload" href="${m}">`).join('\n')}
<script type="module" src="${ENTRY}"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<div id="connection" class="connection" role="alert" hidden></div>
<div class="layout">
<header class="sidebar">
<a class="brand" href="/" aria-label="Firebreak home">Firebreak</a>
<nav id="nav" aria-label="Main"></nav>
</header>
<main id="main" tabindex="-1"><p class="loading" role="status">Loading…</p></main>
<aside class="aside" id="aside"></aside>
</div>
<section id="outbox" class="outbox" aria-label="Outbox" aria-live="polite" hidden></section>
<div id="toast" role="status" aria-live="polite"></div>
</body>
</html>
`;
  return asset('text/html; charset=utf-8', Buffer.from(html));
}

function send(request: FastifyRequest, reply: FastifyReply, a: Asset, cacheControl: string) {
  reply.header('etag', a.etag).header('cache-control', cacheControl).header('vary', 'accept-encoding').type(a.type);
  if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
  const accepted = String(request.headers['accept-encoding'] ?? '');
  if (/\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(a.br);
  if (/\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(a.gzip);
  return reply.send(a.body);
}

/** Paths the client router handles; each gets the shell. */
const PAGE_PATHS = ['/', '/public', '/public/local', '/notifications', '/notifications/requests', '/conversations', '/follow_requests', '/search', '/settings', '/bookmarks',
  '/lists', '/lists/:list', '/filters', '/followed_tags', '/about', '/sign_in', '/sign_up', '/tags/:tag', '/@:acct', '/@:acct/:rest', '/@:acct/:status/:list',
  '/invite/:code', '/moderation', '/moderation/accounts', '/moderation/log', '/moderation/reports/:report', '/moderation/accounts/:account'];

/** Paths that are never pages: an unknown one there is answered in JSON, as an API client expects. */
const NOT_PAGES = /^\/(?:api|oauth|auth|web|\.well-known|nodeinfo|healthz|readyz|metrics)(?:\/|$)/;

declare module 'fastify' {
  interface FastifyInstance {
    /** Answers a browser's request for an unknown page with the shell (404) and returns true; false for anything else. */
    pageNotFound(request: FastifyRequest, reply: FastifyReply): boolean;
  }
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin').header('cross-origin-opener-policy', 'same-origin');
}

export default async function web(app: FastifyInstance, ctx: AppContext) {
  const assets = loadAssets();
  const emoji = emojiImages();
  const page = shell(assets, `/web/emoji/${emoji.version}/`);
  // Our own compression (done once, above) is what these routes send; @fastify/compress leaves them be.
  const config = { compress: false as const };
  for (const path of PAGE_PATHS) {
    app.get(path, config, async (request, reply) => send(request, pageHeaders(reply), page, 'no-cache'));
  }
  // The client router shows its "Page not found" for any other path a browser asks for.
  app.decorate('pageNotFound', (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' || NOT_PAGES.test(request.url) || !String(request.headers.accept ?? '').includes('text/html')) return false;
    void send(request, pageHeaders(reply).code(404), page, 'no-cache');
    return true;
  });
  for (const [path, a] of assets) {
    app.get(path, config, async (request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
      if (path === SERVICE_WORKER) reply.header('service-worker-allowed', '/');
      // Revalidated on each load (cheap 304s): file names carry no version to bust a longer cache.
      return send(request, reply, a, 'no-cache');
    });
  }
  const emojiCache = new Map<string, Asset>();
  app.get<{ Params: { version: string; name: string } }>('/web/emoji/:version/:name', config, async (request, reply) => {
    const { version, name } = request.params;
    if (version !== emoji.version || !emoji.names.has(name)) return reply.code(404).send({ error: 'Not found' });
    let a = emojiCache.get(name);
    if (!a) { a = asset('image/svg+xml', readFileSync(join(emoji.dir, name))); emojiCache.set(name, a); }
    return send(request, reply.header('x-content-type-options', 'nosniff'), a, 'public, max-age=31536000, immutable');
  });
  app.get('/favicon.ico', config, async (request, reply) => send(request, reply, assets.get(FAVICON)!, 'public, max-age=86400'));
  await session(app, ctx);
}
