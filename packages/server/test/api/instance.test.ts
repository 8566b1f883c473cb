// What the server says about itself is true: api_versions and version, the complete v2 instance,
// activity counted from real sign-ins and posts, rules set by the operator, languages (regional
// codes accepted on posts as Mastodon does); on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addRule, type RuleRow } from '@firebreak/server/domain/rules.js';
import { backends, Client, startApp, type TestApp } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`instance on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let rules: RuleRow[];

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      // As the owner's command line sets them (`firebreak admin rule add`).
      rules = [await addRule(t.ctx.db, 'Be kind', ''), await addRule(t.ctx.db, 'No spam', 'Advertising included')];
    });
    after(() => t.close());

    it('v2: every attribute of Mastodon 4.5, and API version 7 (grouped notifications, quotes) only because both are implemented', async () => {
      const res = await c.request('GET', '/api/v2/instance');
      assert.equal(res.status, 200);
      const i = res.body;
      for (const key of ['domain', 'title', 'version', 'source_url', 'description', 'usage', 'thumbnail', 'icon', 'languages', 'configuration', 'registrations', 'api_versions', 'contact', 'rules']) {
        assert.ok(key in i, key);
      }
      assert.equal(i.api_versions.mastodon, 7);
      assert.match(i.version, /^4\.5\.0 \(compatible; Firebreak/);
      assert.ok(i.icon.length > 0 && i.icon.every((x: any) => /^\d+x\d+$/.test(x.size) && x.src.endsWith('/icon.svg')));
      assert.equal((await c.request('GET', new URL(i.icon[0].src).pathname)).headers['content-type'], 'image/svg+xml');
      assert.deepEqual(Object.keys(i.configuration.urls).sort(), ['about', 'privacy_policy', 'status', 'streaming', 'terms_of_service']);
      assert.equal(i.configuration.urls.about, 'https://firebreak.test/about');
      assert.equal(i.configuration.accounts.max_featured_tags, 10);
      assert.equal(i.configuration.accounts.max_note_length, 500);
      assert.deepEqual(i.registrations, { enabled: true, approval_required: false, reason_required: false, message: null, min_age: null, url: null });
      assert.deepEqual(i.rules, rules.map((r) => ({ id: r.id, text: r.text, hint: r.hint })));
      assert.deepEqual(i.rules.map((r: { text: string }) => r.text), ['Be kind', 'No spam']);
      assert.deepEqual((await c.request('GET', '/api/v1/instance/rules')).body, i.rules);
      assert.deepEqual((await c.request('GET', '/api/v1/instance')).body.rules, i.rules);
      assert.deepEqual((await c.request('GET', '/api/v1/instance/translation_languages')).body, {});
    });

    it('counts weekly activity: posts, sign-ins, sign-ups', async () => {
      const active = await c.register('active');
      await c.post(active, 'here I am');
      const weeks = (await c.request('GET', '/api/v1/instance/activity')).body;
      assert.equal(weeks.length, 12);
      assert.ok(Number(weeks[0].week) > Number(weeks[1].week), 'this week first');
      assert.equal(Number(weeks[0].week) % 604800, 4 * 86400, 'weeks start on Monday 00:00 UTC');
      for (const w of weeks) for (const k of ['week', 'statuses', 'logins', 'registrations']) assert.equal(typeof w[k], 'string');
      assert.ok(Number(weeks[0].statuses) >= 1);
      assert.ok(Number(weeks[0].registrations) >= 1);
      assert.ok(Number(weeks[0].logins) >= 1);
      const nodeinfo = (await c.request('GET', '/nodeinfo/2.0')).body;
      assert.ok(nodeinfo.usage.users.activeMonth <= nodeinfo.usage.users.total);
    });

    it('active_month counts who signed in or posted in 30 days, not everyone', async () => {
      const app = await startApp(backend);
      try {
        const client = new Client(app.app);
        const idle = await client.register('idle');
        await client.register('fresh');
        await app.ctx.db.query(`update tokens set id = ((extract(epoch from now() - interval '40 days') * 1000)::bigint << 16) + (id & 65535) where account_id = $1`, [idle.id]);
        const i = (await client.request('GET', '/api/v2/instance')).body;
        assert.equal(i.usage.users.active_month, 1, 'the idle account is not counted');
        assert.equal((await client.request('GET', '/api/v1/instance')).body.stats.user_count, 2);
      } finally { await app.close(); }
    });

    it('lists languages with names, and takes regional codes on posts as Mastodon spells them', async () => {
      const languages = (await c.request('GET', '/api/v1/instance/languages')).body as Array<{ code: string; name: string }>;
      assert.ok(languages.length > 180);
      assert.deepEqual(languages.find((l) => l.code === 'de'), { code: 'de', name: 'German' });
      assert.ok(languages.some((l) => l.code === 'zh-TW'));
      const writer = await c.register('polyglot');
      for (const [given, stored] of [['zh-TW', 'zh-TW'], ['pt-br', 'pt-BR'], ['sr-latn', 'sr-Latn'], ['EN', 'en'], ['kab', 'kab']]) {
        const status = await c.post(writer, `hello in ${given}`, { language: given });
        assert.equal(status.language, stored, given);
      }
      for (const bad of ['zh-XX', 'english', 'e', 'pt_BR']) {
        const res = await c.request('POST', '/api/v1/statuses', { token: writer.token, body: { status: 'x', language: bad } });
        assert.equal(res.status, 422, bad);
      }
    });
  });
}
