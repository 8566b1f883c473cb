// Web Push: the subscription API, and delivery end to end. A real HTTP endpoint in the test subscribes
// with a real P-256 key pair and auth secret; the server delivers from its queue; the test checks
// the VAPID signature and decrypts the payload itself (RFC 8291, aes128gcm) and finds the notification.
// Retries, removal on 410, and a queue that outlives the server that wrote it; on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { allowedPrivate, PushWorker } from '@firebreak/server/domain/push.js';
import { backends, Client, makeUser, STAFF_SCOPES, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { decryptAes128gcm, notificationIdOf, subscriberKeys, subscriptionFor } from '@firebreak/testkit/web-push.js';

/** RFC 8292: `vapid t=<JWT>, k=<key>`: the JWT is signed (ES256) with the key the instance publishes. */
function checkVapid(authorization: string | undefined, serverKey: string, audience: string): void {
  const m = /^vapid t=([^,]+),\s*k=(.+)$/.exec(authorization ?? '');
  assert.ok(m, `VAPID authorization: ${authorization}`);
  const [, jwt, k] = m;
  assert.equal(k, serverKey);
  const [header, payload, signature] = jwt!.split('.');
  const point = Buffer.from(k!, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  assert.ok(verifySignature('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature!, 'base64url')), 'signed with the VAPID key');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  assert.equal(claims.aud, audience);
  assert.match(claims.sub, /^mailto:/);
}

interface Received { headers: IncomingHttpHeaders; body: Buffer; path: string }

/** A push service on loopback that answers each POST with the next status of `answers` (then 201). */
class Endpoint {
  readonly received: Received[] = [];
  answers: number[] = [];
  private server!: Server;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks), path: req.url ?? '' });
        res.writeHead(this.answers.shift() ?? 201).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }
  stop(): Promise<void> { return new Promise((r) => this.server.close(() => r())); }
  async waitFor(count: number, timeoutMs = 15_000): Promise<Received[]> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > until) throw new Error(`expected ${count} pushes, got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.received;
  }
}

for (const backend of backends()) {
  describe(`Web Push on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let endpoint: Endpoint;
    let n = 0;
    const fresh = () => c.register(`pushed${++n}`);
    const subscribe = (user: User, body: unknown) => c.request('POST', '/api/v1/push/subscription', { token: user.token, body });
    const subscription = (path: string, keys: ReturnType<typeof subscriberKeys>, extra: Record<string, unknown> = {}) => ({
      subscription: subscriptionFor(`${endpoint.url}${path}`, keys),
      data: { alerts: { mention: true, follow: true, favourite: true, reblog: true }, policy: 'all' }, ...extra,
    });

    before(async () => {
      t = await startApp(backend, { pushAllowedPrivate: '127.0.0.0/8' });
      c = new Client(t.app);
      endpoint = new Endpoint();
      await endpoint.start();
    });
    after(async () => { await t.close(); await endpoint.stop(); });

    it('the subscription: one per token, created, shown, updated (alerts and policy), deleted; checked on the way in', async () => {
      const user = await fresh();
      const keys = subscriberKeys();
      assert.equal((await c.request('GET', '/api/v1/push/subscription', { token: user.token })).status, 404);
      const made = await subscribe(user, subscription('/a', keys));
      assert.equal(made.status, 200, JSON.stringify(made.body));
      assert.equal(made.body.endpoint, `${endpoint.url}/a`);
      assert.equal(made.body.server_key, (await c.request('GET', '/api/v2/instance')).body.configuration.vapid.public_key);
      assert.deepEqual([made.body.standard, made.body.policy, made.body.alerts.mention, made.body.alerts.poll], [true, 'all', true, false]);
      const again = await subscribe(user, subscription('/a', keys));
      assert.equal(again.body.id, made.body.id, 'subscribing again (a retry) keeps the one subscription');
      // Forms, as many clients send them, and the staff-only alerts quietly off for a user.
      const form = await c.request('POST', '/api/v1/push/subscription', { token: user.token, form: {
        'subscription[endpoint]': `${endpoint.url}/b`, 'subscription[keys][p256dh]': keys.publicKey.toString('base64'), 'subscription[keys][auth]': keys.auth.toString('base64'),
        'data[alerts][mention]': 'true', 'data[alerts][admin.report]': 'true', 'data[policy]': 'followed',
      } });
      assert.equal(form.status, 200, JSON.stringify(form.body));
      assert.deepEqual([form.body.endpoint, form.body.policy, form.body.alerts.mention, form.body.alerts['admin.report'], form.body.standard], [`${endpoint.url}/b`, 'followed', true, false, false]);
      const updated = await c.request('PUT', '/api/v1/push/subscription', { token: user.token, body: { data: { alerts: { favourite: true }, policy: 'none' } } });
      assert.deepEqual([updated.body.alerts.favourite, updated.body.alerts.mention, updated.body.policy, updated.body.endpoint], [true, false, 'none', `${endpoint.url}/b`]);
      const shown = await c.request('GET', '/api/v1/push/subscription', { token: user.token });
      assert.deepEqual(shown.body, updated.body);

      // Per token: another token of the same account has none.
      const other = await makeUser(t.ctx, ['read', 'push']);
      assert.equal((await c.request('GET', '/api/v1/push/subscription', { token: other.token })).status, 404);
      assert.equal((await c.request('PUT', '/api/v1/push/subscription', { token: other.token, body: { data: { policy: 'all' } } })).status, 404);
      const noPush = await makeUser(t.ctx, ['read', 'write']);
      assert.equal((await subscribe(noPush, subscription('/a', keys))).status, 403, 'the push scope');

      for (const [label, body] of [
        ['http to the internet', subscription('', keys, { subscription: { endpoint: 'http://push.example/x', keys: { p256dh: keys.publicKey.toString('base64url'), auth: keys.auth.toString('base64url') } } })],
        ['an internal address', subscription('', keys, { subscription: { endpoint: 'https://10.1.2.3/x', keys: { p256dh: keys.publicKey.toString('base64url'), auth: keys.auth.toString('base64url') } } })],
        ['a short key', subscription('', keys, { subscription: { endpoint: 'https://push.example/x', keys: { p256dh: 'AAAA', auth: keys.auth.toString('base64url') } } })],
        ['no auth secret', subscription('', keys, { subscription: { endpoint: 'https://push.example/x', keys: { p256dh: keys.publicKey.toString('base64url') } } })],
        ['an unknown alert', subscription('/a', keys, { data: { alerts: { mention: true, telepathy: true } } })],
        ['an unknown policy', subscription('/a', keys, { data: { policy: 'friends' } })],
        ['not a URL', subscription('', keys, { subscription: { endpoint: 'push me', keys: { p256dh: keys.publicKey.toString('base64url'), auth: keys.auth.toString('base64url') } } })],
      ] as const) {
        assert.equal((await subscribe(user, body)).status, 422, label);
      }
      assert.deepEqual((await c.request('DELETE', '/api/v1/push/subscription', { token: user.token })).body, {});
      assert.deepEqual((await c.request('DELETE', '/api/v1/push/subscription', { token: user.token })).body, {}, 'deleting again: {}');
      assert.equal((await c.request('GET', '/api/v1/push/subscription', { token: user.token })).status, 404);
    });

    it('delivers each notification the subscription asked for, encrypted for the subscriber (RFC 8291), signed (VAPID), once', async () => {
      const reader = await fresh();
      const writer = await fresh();
      const keys = subscriberKeys();
      await subscribe(reader, subscription('/deliver', keys, { data: { alerts: { mention: true, follow: true }, policy: 'all' } }));
      const start = endpoint.received.length;
      await c.request('POST', `/api/v1/accounts/${reader.id}/follow`, { token: writer.token });
      const mention = await c.post(writer, `@${reader.username} are you there?`);
      await c.request('POST', `/api/v1/statuses/${(await c.post(reader, 'mine')).id}/favourite`, { token: writer.token }); // not asked for
      const pushes = (await endpoint.waitFor(start + 2)).slice(start);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(endpoint.received.length, start + 2, 'nothing else: the favourite was not asked for, nothing twice');
      const notifications = (await c.request('GET', '/api/v1/notifications', { token: reader.token })).body as any[];
      const payloads = pushes.map((p) => {
        assert.equal(p.path, '/deliver');
        assert.equal(p.headers['content-encoding'], 'aes128gcm');
        assert.equal(p.headers['content-type'], 'application/octet-stream');
        assert.ok(Number(p.headers.ttl) > 0);
        checkVapid(p.headers.authorization, t.ctx.vapid.publicKey, endpoint.url);
        const text = decryptAes128gcm(p.body, keys);
        const id = notificationIdOf(text)!;
        return { ...JSON.parse(text), notification_id: id };
      });
      const byType = Object.fromEntries(payloads.map((p) => [p.notification_type, p]));
      assert.deepEqual(Object.keys(byType).sort(), ['follow', 'mention']);
      const mentionNote = notifications.find((x) => x.type === 'mention' && x.status.id === mention.id);
      assert.equal(byType.mention.notification_id, mentionNote.id, 'the payload names the notification, exactly (a 64-bit number)');
      assert.equal(byType.mention.access_token, reader.token, 'Mastodon clients tell their accounts apart by it');
      assert.match(byType.mention.title, new RegExp(writer.username));
      assert.match(byType.mention.body, /are you there/);
      assert.equal(byType.follow.notification_id, notifications.find((x) => x.type === 'follow').id);
    });

    it('the older draft (aesgcm) for subscriptions that do not ask for the standard, as Mastodon sends', async () => {
      const reader = await fresh();
      const keys = subscriberKeys();
      const body = subscription('/legacy', keys);
      delete (body.subscription as { standard?: boolean }).standard;
      await subscribe(reader, body);
      const start = endpoint.received.length;
      await c.request('POST', `/api/v1/accounts/${reader.id}/follow`, { token: (await fresh()).token });
      const [push] = (await endpoint.waitFor(start + 1)).slice(start);
      assert.equal(push!.headers['content-encoding'], 'aesgcm');
      assert.match(String(push!.headers.encryption), /^salt=/);
      assert.match(String(push!.headers['crypto-key']), /dh=.*;p256ecdsa=/);
    });

    it('policies: pushes only from followed accounts, or followers, or none', async () => {
      const reader = await fresh();
      const friend = await fresh();
      const stranger = await fresh();
      await c.request('POST', `/api/v1/accounts/${friend.id}/follow`, { token: reader.token });
      const keys = subscriberKeys();
      await subscribe(reader, subscription('/policy', keys, { data: { alerts: { mention: true }, policy: 'followed' } }));
      const start = endpoint.received.length;
      await c.post(stranger, `@${reader.username} from a stranger`);
      await c.post(friend, `@${reader.username} from a friend`);
      const [push] = (await endpoint.waitFor(start + 1)).slice(start);
      assert.match(decryptAes128gcm(push!.body, keys), /from a friend/);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(endpoint.received.length, start + 1, 'the stranger\'s mention was not pushed');
    });

    it('retries with backoff when the push service fails, and forgets a subscription the service says is gone (410)', async () => {
      const reader = await fresh();
      const keys = subscriberKeys();
      await subscribe(reader, subscription('/flaky', keys));
      const start = endpoint.received.length;
      endpoint.answers = [503];
      await c.request('POST', `/api/v1/accounts/${reader.id}/follow`, { token: (await fresh()).token });
      const [failed, retried] = (await endpoint.waitFor(start + 2, 20_000)).slice(start);
      assert.equal(decryptAes128gcm(failed!.body, keys), decryptAes128gcm(retried!.body, keys), 'the same notification, the same payload');
      assert.equal(JSON.parse(decryptAes128gcm(retried!.body, keys)).notification_type, 'follow');

      endpoint.answers = [410];
      await c.request('POST', `/api/v1/accounts/${reader.id}/follow`, { token: (await fresh()).token });
      await endpoint.waitFor(start + 3);
      const until = Date.now() + 5000;
      while ((await c.request('GET', '/api/v1/push/subscription', { token: reader.token })).status !== 404) {
        assert.ok(Date.now() < until, 'the subscription is removed after a 410');
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    it('the queue outlives the server: what was queued while no worker ran is delivered by the next one', async () => {
      const quiet = await startApp(backend, { pushDelivery: false, pushAllowedPrivate: '127.0.0.0/8' });
      try {
        const qc = new Client(quiet.app);
        const reader = await qc.register('quietreader');
        const keys = subscriberKeys();
        await qc.request('POST', '/api/v1/push/subscription', { token: reader.token, body: subscription('/later', keys) });
        const start = endpoint.received.length;
        await qc.request('POST', `/api/v1/accounts/${reader.id}/follow`, { token: (await qc.register('quietwriter')).token });
        await new Promise((r) => setTimeout(r, 1200));
        assert.equal(endpoint.received.length, start, 'nobody drains the queue');
        // A server starts (here: a worker on the same database) and delivers it.
        const worker = new PushWorker(quiet.ctx, allowedPrivate('127.0.0.0/8'));
        worker.start();
        try {
          const [push] = (await endpoint.waitFor(start + 1)).slice(start);
          assert.equal(JSON.parse(decryptAes128gcm(push!.body, keys)).notification_type, 'follow');
        } finally { await worker.stop(); }
      } finally { await quiet.close(); }
    });

    it('a revoked token takes its subscription with it; staff alerts reach staff', async () => {
      const moderator = await makeUser(t.ctx, STAFF_SCOPES, 'moderator');
      const keys = subscriberKeys();
      const made = await subscribe(moderator, subscription('/staff', keys, { data: { alerts: { 'admin.report': true, 'admin.sign_up': true } } }));
      assert.deepEqual([made.body.alerts['admin.report'], made.body.alerts['admin.sign_up']], [true, true]);
      const start = endpoint.received.length;
      const reporter = await fresh();
      await c.request('POST', '/api/v1/reports', { token: reporter.token, body: { account_id: (await fresh()).id, comment: 'look' } });
      const received = (await endpoint.waitFor(start + 3)).slice(start).map((p) => JSON.parse(decryptAes128gcm(p.body, keys)).notification_type);
      assert.deepEqual(received.sort(), ['admin.report', 'admin.sign_up', 'admin.sign_up'], 'two sign-ups, one report');

      const user = await fresh();
      await subscribe(user, subscription('/revoked', subscriberKeys()));
      const creds = await c.registerApp();
      const app = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', ...creds, username: user.username, password: 'correct horse battery', scope: 'read write' } });
      const changed = await c.request('POST', '/api/v1/accounts/change_password', { token: app.body.access_token, body: { current_password: 'correct horse battery', new_password: 'another horse battery' } });
      assert.equal(changed.status, 200);
      assert.equal((await c.request('GET', '/api/v1/push/subscription', { token: user.token })).status, 401, 'the subscribing token was signed out');
      assert.equal((await t.ctx.db.query(`select count(*)::int as n from push_subscriptions where endpoint like '%/revoked'`))[0]!.n, 0, 'signed out everywhere else: gone');
    });
  });
}
