// The streams added for issue 17, over real sockets and real HTTP: `list` (owner only), `direct`
// (conversation events for participants), the `:media` and `public:remote` streams (valid, and silent
// for posts without media and for remote posts, of which there are none), `hashtag:local`, filters_changed and filter hiding,
// notifications_merged and filtered notifications kept off the stream; and the same streams over
// Server-Sent Events, with their authentication and scopes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { collector } from './stream-collector.js';
import { makeUser, startListeningApp, type RunningApp, type User } from '@firebreak/testkit/app.js';

interface Message { stream: string[]; event: string; payload?: string; error?: string; status?: number }

interface Stream { messages: Message[]; next(match: (m: Message) => boolean, timeoutMs?: number): Promise<Message>; close(): void }

async function socket(base: string, token: string | undefined, subscribe: Array<Record<string, unknown>>): Promise<Stream & { send(m: unknown): void }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/streaming${token ? `?access_token=${token}` : ''}`);
  const c = collector<Message>();
  ws.on('message', (raw) => c.push(JSON.parse(String(raw)) as Message));
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  for (const s of subscribe) ws.send(JSON.stringify({ type: 'subscribe', ...s }));
  await sleep(150); // subscriptions are checked asynchronously
  return { ...c, send: (m) => ws.send(JSON.stringify(m)), close: () => ws.close() };
}

/** Reads a Server-Sent Events stream: `event:` and `data:` lines, events separated by a blank line. */
async function sse(base: string, path: string, token?: string): Promise<Stream & { status: number }> {
  const controller = new AbortController();
  const res = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: controller.signal });
  const c = collector<Message>();
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event) c.push({ stream: [], event, payload: data });
          }
        }
      } catch { /* aborted */ }
    })();
  }
  return { ...c, status: res.status, close: () => controller.abort() };
}

async function call(server: RunningApp, user: User, method: string, path: string, body?: Record<string, unknown>): Promise<any> {
  const res = await server.app.inject({ method: method as 'POST', url: path, headers: { authorization: `Bearer ${user.token}` }, payload: body });
  assert.ok(res.statusCode < 300, `${method} ${path}: ${res.statusCode} ${res.body}`);
  return res.json();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const about = (id: string) => (m: Message) => m.event === 'update' && JSON.parse(m.payload!).id === id;

describe('streams (PGlite)', () => {
  let server: RunningApp;
  before(async () => { server = await startListeningApp(); });
  after(async () => { await server.close(); });

  test('list: the owner hears members\' posts, nobody else may listen; direct: conversation events for participants', async () => {
    const ann = await makeUser(server.ctx);
    const [bob, cat] = [await makeUser(server.ctx), await makeUser(server.ctx)];
    for (const u of [bob, cat]) await call(server, ann, 'POST', `/api/v1/accounts/${u.id}/follow`);
    const list = await call(server, ann, 'POST', '/api/v1/lists', { title: 'Bob only' });
    await call(server, ann, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [bob.id] });

    const own = await socket(server.url, ann.token, [{ stream: 'list', list: list.id }, { stream: 'direct' }]);
    const intruder = await socket(server.url, cat.token, [{ stream: 'list', list: list.id }, { stream: 'list', list: 'abc' }]);
    assert.deepEqual(intruder.messages.map((m) => [m.error, m.status]), [['List not found', 401], ['List not found', 401]]);
    const anonymous = await socket(server.url, undefined, [{ stream: 'direct' }]);
    assert.equal(anonymous.messages[0]?.status, 401);

    const fromBob = await call(server, bob, 'POST', '/api/v1/statuses', { status: 'bob, in the list' });
    const fromCat = await call(server, cat, 'POST', '/api/v1/statuses', { status: 'cat, not in it' });
    const heard = await own.next(about(fromBob.id));
    assert.deepEqual(heard.stream, ['list', list.id]);

    // A private mention: each participant listening to `direct` gets their own conversation.
    const catDirect = await socket(server.url, cat.token, [{ stream: 'direct' }]);
    const dm = await call(server, bob, 'POST', '/api/v1/statuses', { status: `@${(await call(server, ann, 'GET', '/api/v1/accounts/verify_credentials')).username} psst`, visibility: 'direct' });
    const conversation = await own.next((m) => m.event === 'conversation');
    assert.deepEqual(conversation.stream, ['direct']);
    const entity = JSON.parse(conversation.payload!);
    assert.equal(entity.last_status.id, dm.id);
    assert.deepEqual(entity.accounts.map((a: any) => a.id), [bob.id]);
    await sleep(200);
    assert.ok(!own.messages.some(about(fromCat.id)), 'not a member');
    assert.ok(!catDirect.messages.some((m) => m.event === 'conversation'), 'not a participant');
    assert.ok(!intruder.messages.some((m) => m.event === 'update'));
    for (const s of [own, intruder, anonymous, catDirect]) s.close();
  });

  test('media and remote streams are valid and silent; hashtag:local is the hashtag', async () => {
    const dan = await makeUser(server.ctx);
    const listener = await socket(server.url, dan.token, [
      { stream: 'public:media' }, { stream: 'public:local:media' }, { stream: 'public:remote' }, { stream: 'public:remote:media' }, { stream: 'hashtag:local', tag: 'Local' },
    ]);
    assert.deepEqual(listener.messages.filter((m) => m.error), []);
    const post = await call(server, dan, 'POST', '/api/v1/statuses', { status: 'here #local' });
    const tagged = await listener.next(about(post.id));
    assert.deepEqual(tagged.stream, ['hashtag:local', 'local']);
    await sleep(200);
    assert.equal(listener.messages.filter((m) => m.event === 'update').length, 1, 'no media here, nothing remote');
    listener.close();
  });

  test('filters: filters_changed when they change, hidden statuses never sent, warned ones carry their results', async () => {
    const eve = await makeUser(server.ctx);
    const fay = await makeUser(server.ctx);
    await call(server, eve, 'POST', `/api/v1/accounts/${fay.id}/follow`);
    const home = await socket(server.url, eve.token, [{ stream: 'user' }]);
    await call(server, eve, 'POST', '/api/v2/filters', { title: 'Hide', context: ['home'], filter_action: 'hide', keywords_attributes: [{ keyword: 'hidden' }] });
    await home.next((m) => m.event === 'filters_changed');
    await call(server, eve, 'POST', '/api/v2/filters', { title: 'Warn', context: ['home'], keywords_attributes: [{ keyword: 'careful' }] });
    const hidden = await call(server, fay, 'POST', '/api/v1/statuses', { status: 'this is hidden' });
    const warned = await call(server, fay, 'POST', '/api/v1/statuses', { status: 'careful now' });
    const update = await home.next(about(warned.id));
    assert.equal(JSON.parse(update.payload!).filtered[0].filter.title, 'Warn');
    await sleep(200);
    assert.ok(!home.messages.some(about(hidden.id)));
    home.close();
  });

  test('filtered notifications stay off the stream; accepting a request sends notifications_merged', async () => {
    const gus = await makeUser(server.ctx);
    const stranger = await makeUser(server.ctx);
    await call(server, gus, 'PATCH', '/api/v2/notifications/policy', { for_not_following: 'filter' });
    const stream = await socket(server.url, gus.token, [{ stream: 'user:notification' }]);
    const post = await call(server, gus, 'POST', '/api/v1/statuses', { status: 'like me' });
    await call(server, stranger, 'POST', `/api/v1/statuses/${post.id}/favourite`);
    await sleep(300);
    assert.ok(!stream.messages.some((m) => m.event === 'notification'));
    const [request] = await call(server, gus, 'GET', '/api/v1/notifications/requests');
    await call(server, gus, 'POST', `/api/v1/notifications/requests/${request.id}/accept`);
    const merged = await stream.next((m) => m.event === 'notifications_merged');
    assert.deepEqual(merged.stream, ['user:notification']);
    stream.close();
  });

  test('Server-Sent Events: the same streams over HTTP, authenticated and scoped as over WebSocket', async () => {
    const hal = await makeUser(server.ctx);
    const ida = await makeUser(server.ctx);
    await call(server, hal, 'POST', `/api/v1/accounts/${ida.id}/follow`);
    const list = await call(server, hal, 'POST', '/api/v1/lists', { title: 'Ida' });
    await call(server, hal, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [ida.id] });
    const user = await sse(server.url, '/api/v1/streaming/user', hal.token);
    assert.equal(user.status, 200);
    const listStream = await sse(server.url, `/api/v1/streaming/list?list=${list.id}`, hal.token);
    const tag = await sse(server.url, '/api/v1/streaming/hashtag?tag=sse', hal.token);
    const pub = await sse(server.url, '/api/v1/streaming/public/local', hal.token);
    const media = await sse(server.url, '/api/v1/streaming/public?only_media=true', hal.token);
    const notes = await sse(server.url, '/api/v1/streaming/user/notification', hal.token);
    await sleep(100);
    const post = await call(server, ida, 'POST', '/api/v1/statuses', { status: `@${(await call(server, hal, 'GET', '/api/v1/accounts/verify_credentials')).username} over SSE #sse` });
    for (const s of [user, listStream, tag, pub]) assert.equal(JSON.parse((await s.next(about(post.id))).payload!).id, post.id);
    assert.equal(JSON.parse((await notes.next((m) => m.event === 'notification')).payload!).type, 'mention');
    await user.next((m) => m.event === 'notification');
    await call(server, ida, 'DELETE', `/api/v1/statuses/${post.id}`);
    assert.equal((await user.next((m) => m.event === 'delete')).payload, post.id);
    await sleep(200);
    assert.ok(!media.messages.some((m) => m.event === 'update'));

    // Refusals are plain HTTP answers.
    const status = async (path: string, token?: string) => (await fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status;
    assert.equal(await status('/api/v1/streaming/user'), 401);
    assert.equal(await status('/api/v1/streaming/user', 'nonsense'), 401);
    assert.equal(await status('/api/v1/streaming/hashtag?tag=not%20a%20tag', hal.token), 400);
    assert.equal(await status(`/api/v1/streaming/list?list=${list.id}`, ida.token), 401);
    const statusesOnly = await makeUser(server.ctx, ['read:statuses']);
    assert.equal(await status('/api/v1/streaming/user/notification', statusesOnly.token), 403);
    const noRead = await makeUser(server.ctx, ['write']);
    assert.equal(await status('/api/v1/streaming/direct', noRead.token), 403);
    // The token in the query string counts on the streaming API, as on Mastodon.
    const byQuery = await sse(server.url, `/api/v1/streaming/direct?access_token=${hal.token}`);
    assert.equal(byQuery.status, 200);

    for (const s of [user, listStream, tag, pub, media, notes, byQuery]) s.close();
  });
});
