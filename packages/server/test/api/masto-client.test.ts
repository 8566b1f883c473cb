// An existing Mastodon client library (masto.js) works against Firebreak unchanged, over real HTTP
// and a real WebSocket: the OAuth flows, two people following, posting, replying, quoting, reading
// their home timeline page by page through the Link header, interacting, searching, getting
// notifications live and deleting — every call made by masto.js, none hand-written.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { WebSocket as NodeWebSocket } from 'ws';
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient, type mastodon } from 'masto';
import sharp from 'sharp';
import { Client } from '@firebreak/testkit/app.js';
import { hasGps, photoWithGps } from '@firebreak/testkit/media-fixtures.js';
import { mastoServer, OOB, signUp as signUpWith } from './masto-server.js';

// masto.js streams through the global WebSocket, which Node 20 does not have yet.
(globalThis as { WebSocket?: unknown }).WebSocket ??= NodeWebSocket;

let url: string;
const server = mastoServer((u) => { url = u; });
const signUp = (app: mastodon.v1.Client, username: string) => signUpWith(url, app, username);

it('registers an app, signs up, posts, reads timelines, interacts and searches with masto.js', async () => {
  const anonymous = createRestAPIClient({ url });
  const app = await anonymous.v1.apps.create({ clientName: 'masto test', redirectUris: OOB, scopes: 'read write follow' });
  assert.ok(app.clientId && app.clientSecret);
  const masto = await signUp(app, 'masto');

  const me = await masto.v1.accounts.verifyCredentials();
  assert.equal(me.username, 'masto');
  const instance = await masto.v2.instance.fetch();
  assert.equal(instance.configuration.statuses.maxCharacters, 500);

  const status = await masto.v1.statuses.create({ status: 'Hello from masto.js #interop', visibility: 'public' });
  assert.equal(status.account.id, me.id);
  const reply = await masto.v1.statuses.create({ status: 'and a reply', inReplyToId: status.id });
  const context = await masto.v1.statuses.$select(status.id).context.fetch();
  assert.deepEqual(context.descendants.map((s) => s.id), [reply.id]);
  const faved = await masto.v1.statuses.$select(status.id).favourite();
  assert.equal(faved.favourited, true);

  const home = await masto.v1.timelines.home.list({ limit: 10 });
  assert.deepEqual(home.map((s) => s.id), [reply.id, status.id]);
  const tagged = await masto.v1.timelines.tag.$select('interop').list();
  assert.deepEqual(tagged.map((s) => s.id), [status.id]);
  const found = await masto.v2.search.list({ q: 'masto', type: 'accounts' });
  assert.equal(found.accounts[0]?.username, 'masto');

  // masto.js follows the Link header to page through results.
  for (let i = 0; i < 4; i++) await masto.v1.statuses.create({ status: `page ${i}` });
  const pages: string[][] = [];
  for await (const page of masto.v1.accounts.$select(me.id).statuses.list({ limit: 2 })) {
    pages.push(page.map((s) => s.id));
    if (pages.length > 5) break;
  }
  assert.equal(pages.flat().length, 6);
  assert.equal(new Set(pages.flat()).size, 6);

  const client = new Client(server.t.app);
  const missing = await client.request('GET', '/api/v1/statuses/1');
  assert.equal(missing.status, 404);
  await assert.rejects(masto.v1.statuses.$select('1').fetch(), (e: Error & { statusCode?: number }) => e.statusCode === 404);
});

it('two people on masto.js: follow (a locked account too), post, reply, quote, page home via Link, interact, get notified live, search, delete', async () => {
  const app = await createRestAPIClient({ url }).v1.apps.create({ clientName: 'masto two', redirectUris: OOB, scopes: 'read write follow' });
  const ann = await signUp(app, 'ann');
  const ben = await signUp(app, 'ben');
  const annMe = await ann.v1.accounts.verifyCredentials();
  const benMe = await ben.v1.accounts.verifyCredentials();

  // Ben locks his account; Ann's follow waits for his approval.
  await ben.v1.accounts.updateCredentials({ locked: true, displayName: 'Ben B', note: 'Hello #bio' });
  const requested = await ann.v1.accounts.$select(benMe.id).follow();
  assert.equal(requested.requested, true);
  assert.deepEqual((await ben.v1.followRequests.list()).map((a) => a.id), [annMe.id]);
  const authorized = await ben.v1.followRequests.$select(annMe.id).authorize();
  assert.equal(authorized.followedBy, true);
  await ben.v1.accounts.$select(annMe.id).follow({ notify: true });
  const [relationship] = await ann.v1.accounts.relationships.fetch({ id: [benMe.id] });
  assert.deepEqual([relationship!.following, relationship!.followedBy], [true, true]);
  assert.deepEqual((await ann.v1.accounts.$select(benMe.id).followers.list()).map((a) => a.id), [annMe.id]);
  assert.deepEqual((await ann.v1.accounts.$select(annMe.id).following.list()).map((a) => a.id), [benMe.id]);

  // Ann listens to her notifications over the streaming API while Ben acts.
  const streaming = createStreamingAPIClient({ streamingApiUrl: (await ann.v2.instance.fetch()).configuration.urls.streaming, accessToken: await tokenOf(app, 'ann') });
  const subscription = streaming.user.notification.subscribe();
  const live: string[] = [];
  void (async () => {
    for await (const event of subscription) if (event.event === 'notification') live.push(event.payload.type);
  })();
  const arrived = async (types: string[]) => {
    for (const deadline = Date.now() + 10_000; !types.every((type) => live.includes(type));) {
      if (Date.now() > deadline) throw new Error(`waited for ${types.join(', ')}; got ${live.join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // The socket subscribes asynchronously: Ben likes a probe post until the like arrives, then takes it back.
  const probe = await ann.v1.statuses.create({ status: 'probe', visibility: 'unlisted' });
  for (let i = 0; !live.includes('favourite'); i++) {
    assert.ok(i < 50, 'the stream never delivered');
    await ben.v1.statuses.$select(probe.id).favourite();
    await new Promise((r) => setTimeout(r, 100));
    if (!live.includes('favourite')) await ben.v1.statuses.$select(probe.id).unfavourite();
  }
  await ben.v1.statuses.$select(probe.id).unfavourite();
  await ann.v1.statuses.$select(probe.id).remove();
  live.length = 0;

  const post = await ann.v1.statuses.create({ status: 'Ann posts #masto', visibility: 'public' });
  const reply = await ben.v1.statuses.create({ status: `@ann replying`, inReplyToId: post.id });
  const quote = await ben.v1.statuses.create({ status: 'Ben quotes', quotedStatusId: post.id } as mastodon.rest.v1.CreateStatusParams);
  assert.equal(quote.quote?.state, 'accepted');
  assert.equal((quote.quote as mastodon.v1.Quote).quotedStatus?.id, post.id);
  await ben.v1.statuses.$select(post.id).favourite();
  const reblog = await ben.v1.statuses.$select(post.id).reblog();
  assert.equal(reblog.reblog?.id, post.id);
  const bookmarked = await ben.v1.statuses.$select(post.id).bookmark();
  assert.equal(bookmarked.bookmarked, true);
  assert.deepEqual((await ben.v1.bookmarks.list()).map((s) => s.id), [post.id]);
  assert.deepEqual((await ben.v1.favourites.list()).map((s) => s.id), [post.id]);
  assert.deepEqual((await ann.v1.statuses.$select(post.id).favouritedBy.list()).map((a) => a.id), [benMe.id]);
  assert.deepEqual((await ann.v1.statuses.$select(post.id).rebloggedBy.list()).map((a) => a.id), [benMe.id]);
  assert.deepEqual((await ann.v1.statuses.$select(post.id).quotes.list()).map((s) => s.id), [quote.id]);
  const context = await ben.v1.statuses.$select(reply.id).context.fetch();
  assert.deepEqual(context.ancestors.map((s) => s.id), [post.id]);

  await arrived(['favourite', 'mention', 'quote', 'reblog']);
  assert.deepEqual([...live].sort(), ['favourite', 'mention', 'quote', 'reblog'], 'each notification arrived live, once');
  subscription.unsubscribe();
  streaming.close();
  const types = (await ann.v1.notifications.list()).map((n) => n.type);
  for (const type of ['follow', 'mention', 'quote', 'favourite', 'reblog']) assert.ok(types.includes(type as never), type);
  // Ben asked to be notified of Ann's posts.
  assert.equal((await ben.v1.notifications.list({ types: ['status'] }))[0]?.status?.id, post.id);
  const unread = await ann.v1.notifications.unreadCount.fetch();
  assert.ok(unread.count >= 5);
  const [newest] = await ann.v1.notifications.list({ limit: 1 });
  await ann.v1.markers.create({ notifications: { lastReadId: newest!.id } });
  assert.equal((await ann.v1.markers.fetch({ timeline: ['notifications'] })).notifications?.lastReadId, newest!.id);
  assert.equal((await ann.v1.notifications.unreadCount.fetch()).count, 0);

  // Home timeline page by page, following the Link header (Ann follows Ben: she sees his posts and reblog).
  for (let i = 0; i < 5; i++) await ben.v1.statuses.create({ status: `home page ${i}` });
  const seen: string[] = [];
  for await (const page of ann.v1.timelines.home.list({ limit: 3 })) {
    seen.push(...page.map((s) => s.id));
    if (seen.length > 40) break;
  }
  assert.equal(new Set(seen).size, seen.length, 'no status twice across pages');
  assert.ok(seen.length >= 9, `home had ${seen.length} statuses`);
  assert.ok(seen.indexOf(reblog.id) >= 0 || seen.includes(post.id));

  // Search: people, hashtags (with history), posts; trends.
  const found = await ann.v2.search.list({ q: 'masto' });
  assert.ok(found.hashtags.some((h) => h.name === 'masto'));
  assert.ok(found.statuses.some((s) => s.id === post.id));
  assert.equal((await ann.v2.search.list({ q: 'ben', type: 'accounts' })).accounts[0]?.id, benMe.id);
  assert.equal((await ann.v1.tags.$select('masto').fetch()).history?.length, 7);
  assert.ok((await ann.v1.trends.tags.list()).some((tag) => tag.name === 'masto'));
  assert.equal((await ann.v1.preferences.fetch())['posting:default:visibility'], 'public');

  // Edit, history, source; mute and block lists; then delete, which returns the source for redraft.
  const edited = await ben.v1.statuses.$select(quote.id).update({ status: 'Ben quotes, edited' });
  assert.ok(edited.editedAt);
  assert.equal((await ben.v1.statuses.$select(quote.id).history.list()).length, 2);
  assert.equal((await ben.v1.statuses.$select(quote.id).source.fetch()).text, 'Ben quotes, edited');
  const deleted = await ben.v1.statuses.$select(quote.id).remove();
  assert.equal(deleted.text, 'Ben quotes, edited');
  await assert.rejects(ann.v1.statuses.$select(quote.id).fetch(), (e: Error & { statusCode?: number }) => e.statusCode === 404);
  await ann.v1.accounts.$select(benMe.id).mute();
  assert.deepEqual((await ann.v1.mutes.list()).map((a) => a.id), [benMe.id]);
  await ann.v1.accounts.$select(benMe.id).unmute();
  await ann.v1.accounts.$select(benMe.id).block();
  assert.deepEqual((await ann.v1.blocks.list()).map((a) => a.id), [benMe.id]);
  const [afterBlock] = await ann.v1.accounts.relationships.fetch({ id: [benMe.id] });
  assert.deepEqual([afterBlock!.blocking, afterBlock!.following, afterBlock!.followedBy], [true, false, false]);
  await ann.v1.notifications.clear();
  assert.deepEqual(await ann.v1.notifications.list(), []);

  // Direct messages: Ben's "Direct messages" tab, read through masto.js (once Ann unblocks him).
  await ann.v1.accounts.$select(benMe.id).unblock();
  const direct = await ann.v1.statuses.create({ status: '@ben just between us', visibility: 'direct' });
  const [conversation] = await ben.v1.conversations.list();
  assert.equal(conversation?.lastStatus?.id, direct.id);
  assert.deepEqual(conversation?.accounts.map((a) => a.id), [annMe.id]);
  assert.equal(conversation?.unread, true);
  assert.equal((await ben.v1.conversations.$select(conversation!.id).read()).unread, false);
  await ben.v1.conversations.$select(conversation!.id).remove();
  assert.deepEqual(await ben.v1.conversations.list(), []);
});

/** A password-grant token for one of the users above (the streaming client takes a raw token). */
async function tokenOf(app: mastodon.v1.Client, username: string): Promise<string> {
  const token = await createOAuthAPIClient({ url }).token.create({ grantType: 'password', clientId: app.clientId!, clientSecret: app.clientSecret!, redirectUri: OOB, username, password: 'a good password', scope: 'read' });
  return token.accessToken;
}

it('authorization code with PKCE through the login page, then revoke, with masto.js for the token calls', async () => {
  const redirectUri = 'https://client.example/callback';
  const app = await createRestAPIClient({ url }).v1.apps.create({ clientName: 'pkce app', redirectUris: redirectUri, scopes: 'read write' });
  await signUp(await createRestAPIClient({ url }).v1.apps.create({ clientName: 'signup', redirectUris: OOB, scopes: 'read write follow' }), 'pkce');
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({ response_type: 'code', client_id: app.clientId!, redirect_uri: redirectUri, scope: 'read write', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' });
  const page = await fetch(`${url}/oauth/authorize?${query}`);
  assert.match(await page.text(), /Authorize pkce app/);
  // The browser submits the login + consent form; the answer redirects back to the client with a code.
  const submitted = await fetch(`${url}/oauth/authorize`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...Object.fromEntries(query), username: 'pkce', password: 'a good password' }),
  });
  assert.equal(submitted.status, 302);
  const location = new URL(submitted.headers.get('location')!);
  assert.equal(location.searchParams.get('state'), 's1');
  const oauth = createOAuthAPIClient({ url });
  const token = await oauth.token.create({
    grantType: 'authorization_code', code: location.searchParams.get('code')!, clientId: app.clientId!, clientSecret: app.clientSecret!, redirectUri,
    codeVerifier: verifier,
  } as Parameters<typeof oauth.token.create>[0]);
  const masto = createRestAPIClient({ url, accessToken: token.accessToken });
  assert.equal((await masto.v1.accounts.verifyCredentials()).username, 'pkce');
  await oauth.revoke({ clientId: app.clientId!, clientSecret: app.clientSecret!, token: token.accessToken });
  await assert.rejects(masto.v1.accounts.verifyCredentials(), (e: Error & { statusCode?: number }) => e.statusCode === 401);
});

it('masto.js uploads a photo through v2 media, waits for processing, posts it, reads it back stripped, and sets an avatar and header', async () => {
  const app = await createRestAPIClient({ url }).v1.apps.create({ clientName: 'masto media', redirectUris: OOB, scopes: 'read write follow' });
  const cam = await signUp(app, 'cam');
  const photo = await photoWithGps();
  // masto.js polls GET /api/v1/media/:id until the 202's processing is done.
  const media = await cam.v2.media.create({ file: new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), description: 'red and blue', focus: '0.2,0.4' });
  assert.ok(media.url, 'processed: the url is there');
  assert.equal(media.type, 'image');
  const status = await cam.v1.statuses.create({ status: 'a picture', mediaIds: [media.id] });
  const read = await cam.v1.statuses.$select(status.id).fetch();
  const [attachment] = read.mediaAttachments;
  assert.equal(attachment?.id, media.id);
  assert.equal(attachment?.description, 'red and blue');
  const meta = attachment!.meta as { original: { width: number; height: number; aspect: number }; small: { width: number }; focus: { x: number; y: number } };
  assert.deepEqual([meta.original.width, meta.original.height], [200, 300], 'turned upright');
  assert.deepEqual(meta.focus, { x: 0.2, y: 0.4 });
  assert.equal(attachment!.blurhash?.length, 36);
  const original = Buffer.from(await (await fetch(attachment!.url!)).arrayBuffer());
  assert.equal((await sharp(original).metadata()).exif, undefined);
  assert.ok(!hasGps(original));

  const avatarFile = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#c33' } }).png().toBuffer();
  const headerFile = await sharp({ create: { width: 3000, height: 1000, channels: 3, background: '#33c' } }).jpeg().toBuffer();
  const me = await cam.v1.accounts.updateCredentials({ avatar: new Blob([new Uint8Array(avatarFile)], { type: 'image/png' }), header: new Blob([new Uint8Array(headerFile)], { type: 'image/jpeg' }) });
  const avatar = await fetch(me.avatar);
  // An opaque picture is stored as JPEG, whatever it came as.
  assert.equal(avatar.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual([(await sharp(Buffer.from(await avatar.arrayBuffer())).metadata()).width], [400]);
  const header = await fetch(me.header);
  assert.equal(header.headers.get('content-type'), 'image/jpeg');
});
