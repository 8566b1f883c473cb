// The Mastodon streaming API over a real socket: events arrive for the right streams and viewers,
// tokens and scopes are enforced, and events cross app servers sharing one PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { collector } from './stream-collector.js';
import { Client, freshPostgresUrl, makeUser, STAFF_SCOPES, startListeningApp, type RunningApp } from '@firebreak/testkit/app.js';
import { pngWithAlpha } from '@firebreak/testkit/media-fixtures.js';

interface Message { stream: string[]; event: string; payload: string }

/** Opens a stream and collects its messages; resolves once the socket is open. */
async function openStream(base: string, query: string, protocols?: string[]): Promise<{ socket: WebSocket; messages: Message[]; next(match: (m: Message) => boolean, timeoutMs?: number): Promise<Message> }> {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/api/v1/streaming?${query}`, protocols);
  const c = collector<Message>();
  socket.on('message', (raw) => c.push(JSON.parse(String(raw)) as Message));
  await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
  return { socket, messages: c.messages, next: c.next };
}

/** The HTTP status of a refused upgrade. */
function upgradeStatus(base: string, query: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/api/v1/streaming?${query}`, { headers });
    socket.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); socket.terminate(); });
    socket.on('open', () => { socket.close(); reject(new Error('upgrade unexpectedly accepted')); });
    socket.on('error', () => {});
  });
}

async function post(server: RunningApp, token: string, path: string, body: Record<string, unknown> = {}): Promise<any> {
  const res = await server.app.inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${token}` }, payload: body });
  assert.ok(res.statusCode < 300, `${path}: ${res.statusCode} ${res.body}`);
  return res.json();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('streaming API (PGlite)', () => {
  let server: RunningApp;
  before(async () => { server = await startListeningApp(); });
  after(async () => { await server.close(); });

  test('user streams need a token; a bad token or missing scope is refused before the upgrade', async () => {
    assert.equal(await upgradeStatus(server.url, 'stream=user'), 401);
    assert.equal(await upgradeStatus(server.url, 'stream=user&access_token=nonsense'), 401);
    const notificationsOnly = await makeUser(server.ctx, ['read:notifications']);
    assert.equal(await upgradeStatus(server.url, `stream=user&access_token=${notificationsOnly.token}`), 403);
    const statusesOnly = await makeUser(server.ctx, ['read:statuses']);
    assert.equal(await upgradeStatus(server.url, `stream=user:notification&access_token=${statusesOnly.token}`), 403);
    assert.equal(await upgradeStatus(server.url, 'stream=nonsense'), 400);
    const health = await server.app.inject({ url: '/api/v1/streaming/health' });
    assert.equal(health.body, 'OK');
  });

  test('home, public, hashtag and notification events reach exactly the viewers their timelines would', async () => {
    const alice = await makeUser(server.ctx);
    const bob = await makeUser(server.ctx);
    const carol = await makeUser(server.ctx);
    await post(server, alice.token, `/api/v1/accounts/${bob.id}/follow`);

    // The token as the subprotocol, as Mastodon's web client sends it.
    const aliceHome = await openStream(server.url, 'stream=user', [alice.token]);
    const aliceNotifications = await openStream(server.url, `stream=user:notification&access_token=${alice.token}`);
    const anonymousPublic = await openStream(server.url, 'stream=public:local');
    const tagStream = await openStream(server.url, 'stream=hashtag&tag=FireDrill');

    const bobPost = await post(server, bob.token, '/api/v1/statuses', { status: 'hello from bob #firedrill' });
    const update = await aliceHome.next((m) => m.event === 'update' && JSON.parse(m.payload).id === bobPost.id);
    assert.deepEqual(update.stream, ['user']);
    assert.equal(JSON.parse(update.payload).account.username, bob.username);
    await anonymousPublic.next((m) => m.event === 'update' && JSON.parse(m.payload).id === bobPost.id);
    const tagged = await tagStream.next((m) => m.event === 'update');
    assert.deepEqual(tagged.stream, ['hashtag', 'firedrill']);

    // Not followed, and private: neither alice's home nor the public stream may carry these.
    const carolPublic = await post(server, carol.token, '/api/v1/statuses', { status: 'carol speaks' });
    const bobPrivate = await post(server, bob.token, '/api/v1/statuses', { status: 'followers only', visibility: 'private' });
    await aliceHome.next((m) => m.event === 'update' && JSON.parse(m.payload).id === bobPrivate.id);
    await anonymousPublic.next((m) => m.event === 'update' && JSON.parse(m.payload).id === carolPublic.id);
    await sleep(200);
    assert.ok(!aliceHome.messages.some((m) => m.payload.includes(carolPublic.id)), 'an unfollowed account reached home');
    assert.ok(!anonymousPublic.messages.some((m) => m.payload.includes(bobPrivate.id)), 'a private status reached the public stream');

    // A mention notifies alice on both of her streams; a favourite too.
    await post(server, carol.token, '/api/v1/statuses', { status: `@${alice.username} hi` });
    const mention = await aliceNotifications.next((m) => m.event === 'notification');
    assert.equal(JSON.parse(mention.payload).type, 'mention');
    await aliceHome.next((m) => m.event === 'notification');

    // Subscribing on an open socket, and deletes.
    aliceHome.socket.send(JSON.stringify({ type: 'subscribe', stream: 'public' }));
    await sleep(100);
    await server.app.inject({ method: 'DELETE', url: `/api/v1/statuses/${bobPost.id}`, headers: { authorization: `Bearer ${bob.token}` } });
    const deleted = await aliceHome.next((m) => m.event === 'delete');
    assert.equal(deleted.payload, bobPost.id);
    aliceHome.socket.send(JSON.stringify({ type: 'subscribe', stream: 'nonsense' }));
    await aliceHome.next((m) => (m as unknown as { error?: string }).error === 'Unknown stream type');
    for (const s of [aliceHome, aliceNotifications, anonymousPublic, tagStream]) s.socket.close();
  });

  test('public:media and public:local:media carry only statuses with media; public:remote:media none', async () => {
    const author = await makeUser(server.ctx);
    const media = await openStream(server.url, 'stream=public:media');
    const localMedia = await openStream(server.url, 'stream=public:local:media');
    const remoteMedia = await openStream(server.url, 'stream=public:remote:media');
    const everything = await openStream(server.url, 'stream=public');
    const c = new Client(server.app);
    const upload = await c.request('POST', '/api/v2/media', { token: author.token, multipart: { file: { bytes: await pngWithAlpha() } } });
    for (let i = 0; (await c.request('GET', `/api/v1/media/${upload.body.id}`, { token: author.token })).status !== 200; i++) {
      assert.ok(i < 400, 'processing took too long');
      await sleep(50);
    }
    const words = await post(server, author.token, '/api/v1/statuses', { status: 'words only' });
    const picture = await post(server, author.token, '/api/v1/statuses', { status: 'a picture', media_ids: [upload.body.id] });
    await everything.next((m) => m.event === 'update' && JSON.parse(m.payload).id === picture.id);
    await everything.next((m) => m.event === 'update' && JSON.parse(m.payload).id === words.id);
    for (const stream of [media, localMedia]) {
      const m = await stream.next((x) => x.event === 'update');
      assert.equal(JSON.parse(m.payload).id, picture.id);
      assert.equal(JSON.parse(m.payload).media_attachments.length, 1);
    }
    await sleep(200);
    assert.deepEqual([media, localMedia].map((s) => s.messages.filter((m) => m.event === 'update').length), [1, 1], 'the post without media is not on the media streams');
    assert.equal(remoteMedia.messages.filter((m) => m.event === 'update').length, 0);
    for (const s of [media, localMedia, remoteMedia, everything]) s.socket.close();
  });

  test('suspension: the account\'s open streams close, and pages showing its posts are told to drop them', async () => {
    const bad = await makeUser(server.ctx);
    const reader = await makeUser(server.ctx);
    const moderator = await makeUser(server.ctx, STAFF_SCOPES, 'moderator');
    await post(server, reader.token, `/api/v1/accounts/${bad.id}/follow`);
    const soonGone = await post(server, bad.token, '/api/v1/statuses', { status: 'soon gone' });
    const badStream = await openStream(server.url, `stream=user&access_token=${bad.token}`);
    const readerHome = await openStream(server.url, `stream=user&access_token=${reader.token}`);
    const closed = new Promise<number>((resolve) => badStream.socket.once('close', (code) => resolve(code)));
    await post(server, moderator.token, `/api/v1/admin/accounts/${bad.id}/action`, { type: 'suspend' });
    assert.equal(await closed, 4001, 'closed: its token is revoked');
    await readerHome.next((m) => m.event === 'delete' && m.payload === soonGone.id);
    assert.equal(await upgradeStatus(server.url, `stream=user&access_token=${bad.token}`), 401, 'and it cannot open another');
    readerHome.socket.close();
  });

  test('open sockets do not hold the server\'s concurrency slots: 60 anonymous pages listening, requests still served', async () => {
    const streams = [];
    for (let i = 0; i < 60; i++) streams.push(await openStream(server.url, 'stream=public:local'));
    const res = await fetch(`${server.url}/api/v1/timelines/public?local=true`);
    assert.equal(res.status, 200, 'an anonymous read among many listening pages is served, not shed');
    const user = await makeUser(server.ctx);
    const post = await fetch(`${server.url}/api/v1/statuses`, { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'to every listener' }) });
    assert.equal(post.status, 200);
    const id = (await post.json() as { id: string }).id;
    await Promise.all(streams.map((st) => st.next((m) => m.event === 'update' && JSON.parse(m.payload).id === id)));
    for (const st of streams) st.socket.close();
  });
});

describe('streaming API across two app servers on one PostgreSQL', { skip: !process.env.FIREBREAK_TEST_DATABASE_URL && 'FIREBREAK_TEST_DATABASE_URL is not set' }, () => {
  let first: RunningApp;
  let second: RunningApp;
  before(async () => {
    const databaseUrl = await freshPostgresUrl();
    first = await startListeningApp({ databaseUrl });
    second = await startListeningApp({ databaseUrl });
  });
  after(async () => { await first?.close(); await second?.close(); });

  test('a post written through one server streams from the other', async () => {
    const alice = await makeUser(first.ctx);
    const bob = await makeUser(first.ctx);
    await post(first, alice.token, `/api/v1/accounts/${bob.id}/follow`);
    const onSecond = await openStream(second.url, `stream=user&access_token=${alice.token}`);
    const onFirst = await openStream(first.url, `stream=user&access_token=${alice.token}`);
    const status = await post(first, bob.token, '/api/v1/statuses', { status: 'across servers' });
    await onSecond.next((m) => m.event === 'update' && JSON.parse(m.payload).id === status.id);
    await onFirst.next((m) => m.event === 'update' && JSON.parse(m.payload).id === status.id);
    await sleep(300);
    assert.equal(onFirst.messages.filter((m) => m.event === 'update').length, 1, 'the origin server delivered its own event twice');
    onSecond.socket.close();
    onFirst.socket.close();
  });
});
