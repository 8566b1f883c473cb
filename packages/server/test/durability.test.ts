// Acknowledged writes survive kill -9 of the server, on both backends: a real `firebreak serve`
// process is killed with SIGKILL right after its last acknowledgement, restarted, and audited.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { backends, freshPostgresUrl } from '@firebreak/testkit/app.js';
import { freePort } from '@firebreak/testkit/postgres-server.js';

const cli = fileURLToPath(import.meta.resolve('@firebreak/server/cli.js'));

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'serve'], { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', FIREBREAK_ARGON2_MEMORY_KIB: '64', FIREBREAK_ARGON2_PASSES: '1', FIREBREAK_RATE_LIMITS: 'false' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 900; i++) { // PGlite may take a while to start on a loaded machine
    try { if ((await fetch(`${url}/readyz`)).ok) return { child, url }; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('server did not become ready');
}

async function api(url: string, path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: await res.json() as any };
}

for (const backend of backends()) {
  describe(`durability on ${backend}`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'firebreak-durability-'));
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    it('keeps every acknowledged write through kill -9 (posts, a follow, a favourite, a bookmark, a delete), and a retried key does not duplicate', async () => {
      const env: Record<string, string> = backend === 'postgres' ? { DATABASE_URL: await freshPostgresUrl() } : { FIREBREAK_DATA_DIR: dataDir };
      let server = await startServer(env);
      const app = await api(server.url, '/api/v1/apps', { method: 'POST', body: { client_name: 'd', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' } });
      const appToken = await api(server.url, '/oauth/token', { method: 'POST', body: { grant_type: 'client_credentials', client_id: app.body.client_id, client_secret: app.body.client_secret, scope: 'read write' } });
      const reg = await api(server.url, '/api/v1/accounts', { method: 'POST', token: appToken.body.access_token, body: { username: 'durable', email: 'd@example.test', password: 'durable password', agreement: true } });
      const token = reg.body.access_token as string;
      const acknowledged: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await api(server.url, '/api/v1/statuses', { method: 'POST', token, body: { status: `durable ${i}` }, headers: { 'idempotency-key': `k${i}` } });
        assert.equal(res.status, 200);
        acknowledged.push(res.body.id);
      }
      // Other kinds of write, acknowledged just before the kill: a second account that follows,
      // favourites and bookmarks, and a delete whose answer is stored under its Idempotency-Key.
      const other = await api(server.url, '/api/v1/accounts', { method: 'POST', token: appToken.body.access_token, body: { username: 'other', email: 'o@example.test', password: 'durable password', agreement: true } });
      assert.equal(other.status, 200, JSON.stringify(other.body));
      const otherToken = other.body.access_token as string;
      const durableId = (await api(server.url, '/api/v1/accounts/lookup?acct=durable')).body.id;
      const follow = await api(server.url, `/api/v1/accounts/${durableId}/follow`, { method: 'POST', token: otherToken });
      assert.equal(follow.body.following, true, JSON.stringify(follow.body));
      assert.equal((await api(server.url, `/api/v1/statuses/${acknowledged[0]}/favourite`, { method: 'POST', token: otherToken })).status, 200);
      assert.equal((await api(server.url, `/api/v1/statuses/${acknowledged[1]}/bookmark`, { method: 'POST', token: otherToken })).status, 200);
      const doomed = await api(server.url, '/api/v1/statuses', { method: 'POST', token, body: { status: 'to be deleted' } });
      const deleted = await api(server.url, `/api/v1/statuses/${doomed.body.id}`, { method: 'DELETE', token, headers: { 'idempotency-key': 'del-1' } });
      assert.equal(deleted.status, 200);
      server.child.kill('SIGKILL');
      await new Promise((r) => server.child.once('exit', r));

      server = await startServer(env);
      try {
        const retried = await api(server.url, '/api/v1/statuses', { method: 'POST', token, body: { status: 'durable 39' }, headers: { 'idempotency-key': 'k39' } });
        assert.equal(retried.body.id, acknowledged[39], 'the key survived the crash with its status');
        const me = await api(server.url, '/api/v1/accounts/verify_credentials', { token });
        const seen: string[] = [];
        let maxId = '';
        for (let page = 0; page < 5; page++) {
          const list = await api(server.url, `/api/v1/accounts/${me.body.id}/statuses?limit=40${maxId ? `&max_id=${maxId}` : ''}`);
          if (list.body.length === 0) break;
          seen.push(...list.body.map((s: any) => s.id));
          maxId = list.body[list.body.length - 1].id;
        }
        assert.deepEqual([...seen].sort(), [...acknowledged].sort());
        assert.equal(me.body.statuses_count, 40);
        const [relationship] = (await api(server.url, `/api/v1/accounts/relationships?id[]=${durableId}`, { token: otherToken })).body;
        assert.equal(relationship.following, true, 'the follow survived');
        assert.equal((await api(server.url, `/api/v1/statuses/${acknowledged[0]}`, { token: otherToken })).body.favourited, true, 'the favourite survived');
        assert.equal((await api(server.url, `/api/v1/statuses/${acknowledged[1]}`, { token: otherToken })).body.bookmarked, true, 'the bookmark survived');
        const redelete = await api(server.url, `/api/v1/statuses/${doomed.body.id}`, { method: 'DELETE', token, headers: { 'idempotency-key': 'del-1' } });
        assert.deepEqual([redelete.status, redelete.body.text], [200, 'to be deleted'], 'the retried delete gets its stored answer');
      } finally {
        server.child.kill('SIGKILL');
      }
    });
  });
}
