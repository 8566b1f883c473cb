// Discovery: what real clients read before anything else.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { usageCounter } from '../../domain/instance-stats.js';
import { registrationSettings } from '../../domain/registrations.js';
import { listRules } from '../../domain/rules.js';
import { serializeRule } from '../serializers/admin.js';
import { rule } from '../auth.js';
import { CHARACTERS_PER_URL } from '../../shared/status-length.js';

const VERSION = '4.5.0 (compatible; Firebreak 0.1.0)';

export function instanceConfiguration(ctx: AppContext) {
  const streamingBase = ctx.config.publicUrl.replace(/^http/, 'ws');
  return {
    urls: { streaming: streamingBase, status: null },
    accounts: { max_featured_tags: 0, max_pinned_statuses: 5 },
    statuses: { max_characters: ctx.config.maxStatusChars, max_media_attachments: 0, characters_reserved_per_url: CHARACTERS_PER_URL },
    media_attachments: { supported_mime_types: [], image_size_limit: 0, image_matrix_limit: 0, video_size_limit: 0, video_frame_rate_limit: 0, video_matrix_limit: 0 },
    polls: { max_options: 0, max_characters_per_option: 0, min_expiration: 0, max_expiration: 0 },
    translation: { enabled: false },
  };
}

/**
 * The registration mode and the rules as discovery shows them: every client reads /api/v2/instance
 * first, and anonymously, so they are read at most once per five seconds per server. (Sign-ups read
 * the mode afresh: registrations.ts.)
 */
function instanceFacts(ctx: AppContext) {
  let cached: { at: number; value: Promise<{ registrations: Awaited<ReturnType<typeof registrationSettings>>; rules: Awaited<ReturnType<typeof listRules>> }> } | null = null;
  return () => {
    if (!cached || Date.now() - cached.at > 5000) {
      const value = Promise.all([registrationSettings(ctx.db), listRules(ctx.db)]).then(([registrations, rules]) => ({ registrations, rules }));
      cached = { at: Date.now(), value };
      value.catch(() => { if (cached?.value === value) cached = null; });
    }
    return cached.value;
  };
}

export default async function instance(app: FastifyInstance, ctx: AppContext) {
  const usage = usageCounter(ctx.db);
  const facts = instanceFacts(ctx);
  const description = 'Firebreak: a microblog whose redundancy actually works.';
  app.get('/api/v2/instance', async () => {
    const { registrations: r, rules } = await facts();
    return {
      domain: ctx.config.domain, title: 'Firebreak', version: VERSION, source_url: 'https://github.com/firebreak/firebreak',
      description, usage: { users: { active_month: (await usage()).users } },
      thumbnail: { url: `${ctx.config.publicUrl}/headers/original/missing.png` }, languages: ['en'],
      configuration: { ...instanceConfiguration(ctx), vapid: { public_key: ctx.vapid.publicKey } },
      registrations: {
        enabled: r.mode !== 'closed', approval_required: r.mode === 'approval', reason_required: r.mode === 'approval' && r.reasonRequired,
        message: r.message, url: null,
      },
      // 7: Mastodon 4.5, the first with quote posts, which Firebreak implements.
      api_versions: { mastodon: 7 },
      contact: { email: `admin@${ctx.config.domain.split(':')[0]}`, account: null },
      rules: rules.map(serializeRule),
    };
  });

  app.get('/api/v1/instance', async () => {
    const u = await usage();
    const { registrations: r, rules } = await facts();
    return {
      uri: ctx.config.domain, title: 'Firebreak', short_description: description, description, email: `admin@${ctx.config.domain.split(':')[0]}`,
      version: VERSION, urls: { streaming_api: ctx.config.publicUrl.replace(/^http/, 'ws') },
      stats: { user_count: u.users, status_count: u.statuses, domain_count: 1 },
      thumbnail: null, languages: ['en'], registrations: r.mode !== 'closed', approval_required: r.mode === 'approval', invites_enabled: true,
      configuration: instanceConfiguration(ctx), contact_account: null, rules: rules.map(serializeRule),
    };
  });

  app.get('/api/v1/custom_emojis', async () => []);
  // No federation, so no peers.
  app.get('/api/v1/instance/peers', async () => []);
  app.get('/api/v1/instance/rules', async () => (await facts()).rules.map(serializeRule));
  app.get('/api/v1/instance/extended_description', async () => ({ updated_at: new Date(0).toISOString(), content: `<p>${description}</p>` }));

  app.get('/api/v1/preferences', { config: rule('user', 'read:accounts') }, async () => ({
    'posting:default:visibility': 'public', 'posting:default:sensitive': false, 'posting:default:language': null,
    'posting:default:quote_policy': 'public', 'reading:expand:media': 'default', 'reading:expand:spoilers': false,
  }));

  app.get('/.well-known/nodeinfo', async () => ({
    links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `${ctx.config.publicUrl}/nodeinfo/2.0` }],
  }));

  app.get('/nodeinfo/2.0', async (_request, reply) => {
    const u = await usage();
    reply.type('application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"');
    return {
      version: '2.0', software: { name: 'firebreak', version: '0.1.0' }, protocols: [], services: { outbound: [], inbound: [] },
      usage: { users: { total: u.users, activeMonth: u.users, activeHalfyear: u.users }, localPosts: u.statuses },
      openRegistrations: (await facts()).registrations.mode === 'open', metadata: { nodeName: 'Firebreak' },
    };
  });
}
