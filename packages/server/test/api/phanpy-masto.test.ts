// Grouped notifications, the notification policy and requests, lists and filters, driven through
// masto.js exactly as Phanpy calls them (cheeaun/phanpy: src/pages/notifications.jsx, lists.jsx,
// list.jsx, filters.jsx, src/components/list-add-edit.jsx, account-info.jsx), over real HTTP.
// Phanpy turns grouped notifications on when the instance's Mastodon API version is 2 or more.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRestAPIClient, type mastodon } from 'masto';
import { mastoServer, OOB, signUp as signUpWith } from './masto-server.js';

let url: string;
mastoServer((u) => { url = u; });
const signUp = (app: mastodon.v1.Client, username: string) => signUpWith(url, app, username);

it('Phanpy\'s notifications page: grouped notifications, the policy sheet, filtered requests', async () => {
  const app = await createRestAPIClient({ url }).v1.apps.create({ clientName: 'Phanpy', redirectUris: OOB, scopes: 'read write follow push' });
  const ann = await signUp(app, 'ann');
  const fans = [await signUp(app, 'fan1'), await signUp(app, 'fan2'), await signUp(app, 'fan3')];
  const annMe = await ann.v1.accounts.verifyCredentials();

  // supports('@mastodon/grouped-notifications') && getAPIVersions().mastodon >= 2
  const instance = await ann.v2.instance.fetch();
  assert.ok(Number(instance.apiVersions?.mastodon ?? 0) >= 2);

  const post = await ann.v1.statuses.create({ status: 'Phanpy users, like this' });
  for (const fan of fans) {
    await fan.v1.statuses.$select(post.id).favourite();
    await fan.v1.accounts.$select(annMe.id).follow();
  }
  await fans[0]!.v1.statuses.create({ status: '@ann hello', visibility: 'public' });

  // mastoFetchNotifications({ excludeTypes: ['follow_request'] }) → masto.v2.notifications.list({ limit: 20, ... })
  const iterator = ann.v2.notifications.list({ limit: 20, excludeTypes: ['follow_request'] })[Symbol.asyncIterator]();
  const first = await iterator.next();
  // masto.js's group types narrow badly; Phanpy reads them as plain objects too.
  const page = first.value as { notificationGroups: any[]; accounts: mastodon.v1.Account[]; statuses: mastodon.v1.Status[] };
  assert.equal(page.notificationGroups.length, 3);
  const [mention, follows, favourites] = page.notificationGroups;
  assert.equal(mention!.type, 'mention');
  assert.equal(follows!.type, 'follow');
  assert.equal(follows!.notificationsCount, 3);
  assert.equal(favourites!.type, 'favourite');
  assert.equal(favourites!.notificationsCount, 3);
  // massageNotifications2 looks accounts and statuses up by id.
  const accounts = new Map(page.accounts.map((a) => [a.id, a]));
  for (const g of page.notificationGroups) for (const id of g.sampleAccountIds) assert.ok(accounts.get(id), `account ${id}`);
  assert.equal(page.statuses.find((s) => s.id === (favourites as { statusId: string }).statusId)?.content.includes('Phanpy users'), true);
  // The next page (below the oldest group's newest notification) holds the rest of those groups, under
  // the same keys: Phanpy, like Mastodon's own client, merges groups by key.
  const rest = ((await iterator.next()).value?.notificationGroups ?? []) as any[];
  assert.ok(rest.every((g) => page.notificationGroups.some((p) => p.groupKey === g.groupKey)));
  // Update last read marker, as Phanpy does after the first load.
  await ann.v1.markers.create({ notifications: { lastReadId: page.notificationGroups[0]!.mostRecentNotificationId } });
  assert.equal((await ann.v2.notifications.unreadCount.fetch()).count, 0);

  // The notifications settings sheet: fetch the policy, save it back whole (summary included).
  const policy = await ann.v2.notifications.policy.fetch();
  assert.equal(policy.forPrivateMentions, 'filter');
  const saved = await ann.v2.notifications.policy.update({ ...policy, forNotFollowing: 'filter', forNewAccounts: 'accept' } as mastodon.rest.v2.UpdateNotificationPolicyParams);
  assert.equal(saved.forNotFollowing, 'filter');

  const stranger = await signUp(app, 'stranger');
  await stranger.v1.statuses.$select(post.id).reblog();
  const withSummary = await ann.v2.notifications.policy.fetch();
  assert.equal(withSummary.summary.pendingRequestsCount, 1);
  // "Filtered notifications from 1 person": the requests, then NotificationRequestButtons.
  const requests = await ann.v1.notifications.requests.list();
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.account.username, 'stranger');
  assert.equal(requests[0]!.lastStatus?.id, post.id);
  await ann.v1.notifications.requests.$select(requests[0]!.id).accept();
  assert.deepEqual(await ann.v1.notifications.requests.merged.fetch(), { merged: true });
  const after = await ann.v2.notifications.list({ limit: 20 });
  const reblogGroup = (after.notificationGroups as any[]).find((g) => g.type === 'reblog');
  assert.ok(reblogGroup, 'the accepted notification is in the list');

  // Dismissing a group (Phanpy's notification menu) and reading one group.
  const group = await ann.v2.notifications.$select(favourites!.groupKey).fetch();
  assert.equal(group.notificationGroups[0]!.notificationsCount, 3);
  assert.deepEqual((await ann.v2.notifications.$select(favourites!.groupKey).accounts.fetch()).map((a) => a.username).sort(), ['fan1', 'fan2', 'fan3']);
  await ann.v2.notifications.$select(favourites!.groupKey).dismiss();
  assert.ok(!((await ann.v2.notifications.list({ limit: 20 })).notificationGroups as any[]).some((g) => g.groupKey === favourites!.groupKey));
});

it('Phanpy\'s lists: create, edit, manage members, read the timeline, and which lists hold an account', async () => {
  const app = await createRestAPIClient({ url }).v1.apps.create({ clientName: 'Phanpy', redirectUris: OOB, scopes: 'read write follow' });
  const bea = await signUp(app, 'bea');
  const cal = await signUp(app, 'cal');
  const dee = await signUp(app, 'dee');
  const calMe = await cal.v1.accounts.verifyCredentials();
  const deeMe = await dee.v1.accounts.verifyCredentials();
  for (const id of [calMe.id, deeMe.id]) await bea.v1.accounts.$select(id).follow();

  // ListAddEdit: masto.v1.lists.create({ title, replies_policy, exclusive })
  const list = await bea.v1.lists.create({ title: 'Close friends', replies_policy: 'list', exclusive: false } as mastodon.rest.v1.CreateListParams);
  assert.equal(list.title, 'Close friends');
  const edited = await bea.v1.lists.$select(list.id).update({ title: 'Friends', replies_policy: 'followed', exclusive: true } as mastodon.rest.v1.UpdateListParams);
  assert.deepEqual([edited.title, edited.repliesPolicy, edited.exclusive], ['Friends', 'followed', true]);
  assert.deepEqual((await bea.v1.lists.list()).map((l) => l.id), [list.id]);
  assert.equal((await bea.v1.lists.$select(list.id).fetch()).title, 'Friends');

  // AddRemoveListsSheet: the lists holding an account, then adding and removing it.
  await bea.v1.lists.$select(list.id).accounts.create({ accountIds: [calMe.id] });
  assert.deepEqual((await bea.v1.accounts.$select(calMe.id).lists.list()).map((l) => l.id), [list.id]);
  await bea.v1.lists.$select(list.id).accounts.create({ accountIds: [deeMe.id] });
  assert.deepEqual((await bea.v1.lists.$select(list.id).accounts.list({ limit: 80 })).map((a) => a.id).sort(), [calMe.id, deeMe.id].sort());
  await bea.v1.lists.$select(list.id).accounts.remove({ accountIds: [deeMe.id] });
  assert.deepEqual((await bea.v1.lists.$select(list.id).accounts.list()).map((a) => a.id), [calMe.id]);

  // The list timeline, page by page.
  for (let i = 0; i < 3; i++) await cal.v1.statuses.create({ status: `cal ${i}` });
  await dee.v1.statuses.create({ status: 'dee, no longer listed' });
  const seen: string[] = [];
  for await (const page of bea.v1.timelines.list.$select(list.id).list({ limit: 2 })) {
    seen.push(...page.map((s) => s.content));
    if (seen.length > 10) break;
  }
  assert.deepEqual(seen.map((c) => c.replace(/<[^>]+>/g, '')), ['cal 2', 'cal 1', 'cal 0']);
  // Exclusive: cal's posts left Bea's home.
  assert.ok(!(await bea.v1.timelines.home.list({ limit: 20 })).some((s) => s.account.id === calMe.id));
  await bea.v1.lists.$select(list.id).remove();
  assert.deepEqual(await bea.v1.lists.list(), []);
});

it('Phanpy\'s filters page: create with keywords, edit with _destroy, filtered statuses, delete', async () => {
  const app = await createRestAPIClient({ url }).v1.apps.create({ clientName: 'Phanpy', redirectUris: OOB, scopes: 'read write follow' });
  const eve = await signUp(app, 'eve');
  const fay = await signUp(app, 'fay');
  await eve.v1.accounts.$select((await fay.v1.accounts.verifyCredentials()).id).follow();

  // FiltersAddEdit (new): expiresIn = +expiresIn || null
  const created = await eve.v2.filters.create({
    title: 'Spoilers', context: ['home', 'public'], expiresIn: null,
    keywordsAttributes: [{ keyword: 'spoiler', wholeWord: true }, { keyword: 'leak', wholeWord: false }], filterAction: 'warn',
  } as mastodon.rest.v2.CreateFilterParams);
  assert.deepEqual(created.keywords.map((k) => [k.keyword, k.wholeWord]), [['spoiler', true], ['leak', false]]);
  const listed = await eve.v2.filters.list();
  assert.equal(listed.length, 1);

  // FiltersAddEdit (edit): the kept keywords with their ids, a removed one as { id, _destroy: true }.
  const [spoiler, leak] = created.keywords;
  const updated = await eve.v2.filters.$select(created.id).update({
    title: 'Spoilers!', context: ['home'], expiresIn: 3600, filterAction: 'hide',
    keywordsAttributes: [{ id: spoiler!.id, keyword: 'spoiler', wholeWord: true }, { keyword: 'finale', wholeWord: false }, { id: leak!.id, _destroy: true }],
  } as mastodon.rest.v2.UpdateFilterParams);
  assert.deepEqual(updated.keywords.map((k) => k.keyword), ['spoiler', 'finale']);
  assert.equal(updated.filterAction, 'hide');
  assert.ok(updated.expiresAt);

  // Phanpy reads status.filtered (filterAction) to warn or hide.
  await eve.v2.filters.$select(created.id).update({ filterAction: 'warn' } as mastodon.rest.v2.UpdateFilterParams);
  const status = await fay.v1.statuses.create({ status: 'the finale was great' });
  const home = await eve.v1.timelines.home.list({ limit: 20 });
  const shown = home.find((s) => s.id === status.id)!;
  assert.equal(shown.filtered?.[0]?.filter.filterAction, 'warn');
  assert.deepEqual(shown.filtered?.[0]?.keywordMatches, ['finale']);

  await eve.v2.filters.$select(created.id).remove();
  assert.deepEqual(await eve.v2.filters.list(), []);
});
