// Discovery: what real clients read before anything else. It says exactly what this server does:
// clients turn features on from `api_versions` and `version` (Phanpy and Ice Cubes call the grouped
// notifications API when the Mastodon API version is 2 or more), so each claim here is one the API keeps.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { usageCounter, weeklyActivity } from '../../domain/instance-stats.js';
import { languageList } from '../../domain/languages.js';
import { MAX_FEATURED_TAGS } from '../../domain/featured-tags.js';
import { LIMITS } from '../../domain/accounts.js';
import { MAX_PINNED_STATUSES } from '../../domain/statuses.js';
import { registrationSettings } from '../../domain/registrations.js';
import { listRules } from '../../domain/rules.js';
import { serializeRule } from '../serializers/admin.js';
import { rule } from '../auth.js';
import { CHARACTERS_PER_URL } from '../../shared/status-length.js';
import { DESCRIPTION_LIMIT, IMAGE_MATRIX_LIMIT, MAX_MEDIA_ATTACHMENTS, SUPPORTED_MIME_TYPES, VIDEO_FRAME_RATE_LIMIT, VIDEO_MATRIX_LIMIT } from '../../media/limits.js';

/**
 * Mastodon 4.5's client API, as far as Firebreak implements it: version 7 adds quote posts; version 2
 * (4.3) grouped notifications, the notification policy and requests, which are here too.
 */
const VERSION = '4.5.0 (compatible; Firebreak 0.1.0)';
const API_VERSIONS = { mastodon: 7 };

/** The sizes Mastodon lists its app icon in (SiteUpload::ANDROID_ICON_SIZES); one scalable image serves them all. */
const ICON_SIZES = [36, 48, 72, 96, 144, 192, 256, 384, 512];
const ICON = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#c2410c"/><path d="M32 10c4 9 14 14 14 27a14 14 0 0 1-28 0c0-7 4-11 7-15 1 5 3 7 5 8-1-8 0-14 2-20z" fill="#fff7ed"/></svg>');

export function instanceConfiguration(ctx: AppContext) {
  const streamingBase = ctx.config.publicUrl.replace(/^http/, 'ws');
  return {
    urls: { streaming: streamingBase, status: null },
    accounts: { max_featured_tags: MAX_FEATURED_TAGS, max_pinned_statuses: MAX_PINNED_STATUSES },
    statuses: { max_characters: ctx.config.maxStatusChars, max_media_attachments: MAX_MEDIA_ATTACHMENTS, characters_reserved_per_url: CHARACTERS_PER_URL },
    media_attachments: {
      supported_mime_types: SUPPORTED_MIME_TYPES, description_limit: DESCRIPTION_LIMIT,
      image_size_limit: ctx.config.media.imageSizeLimit, image_matrix_limit: IMAGE_MATRIX_LIMIT,
      video_size_limit: ctx.config.media.videoSizeLimit, video_frame_rate_limit: VIDEO_FRAME_RATE_LIMIT, video_matrix_limit: VIDEO_MATRIX_LIMIT,
    },
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
  const activity = weeklyActivity(ctx.db);
  const facts = instanceFacts(ctx);
  const description = 'Firebreak: a microblog whose redundancy actually works.';
  const base = ctx.config.publicUrl;
  const contactEmail = () => `admin@${ctx.config.domain.split(':')[0]}`;

  app.get('/api/v2/instance', async () => {
    const configuration = instanceConfiguration(ctx);
    const { registrations: r, rules } = await facts();
    return {
      domain: ctx.config.domain, title: 'Firebreak', version: VERSION, source_url: 'https://github.com/firebreak/firebreak',
      description, usage: { users: { active_month: (await usage()).activeMonth } },
      thumbnail: { url: `${base}/headers/original/missing.png` },
      icon: ICON_SIZES.map((size) => ({ src: `${base}/icon.svg`, size: `${size}x${size}` })),
      languages: ['en'],
      configuration: {
        ...configuration,
        urls: { ...configuration.urls, about: `${base}/about`, privacy_policy: null, terms_of_service: null },
        vapid: { public_key: ctx.vapid.publicKey },
        accounts: { ...configuration.accounts, max_note_length: LIMITS.note, max_profile_fields: 0, profile_field_name_limit: 0, profile_field_value_limit: 0 },
        // Every timeline is open to visitors, as the web UI's front page shows.
        timelines_access: {
          live_feeds: { local: 'public', remote: 'public' }, hashtag_feeds: { local: 'public', remote: 'public' }, trending_link_feeds: { local: 'public', remote: 'public' },
        },
        limited_federation: false,
      },
      registrations: {
        enabled: r.mode !== 'closed', approval_required: r.mode === 'approval', reason_required: r.mode === 'approval' && r.reasonRequired,
        message: r.message, min_age: null, url: null,
      },
      api_versions: API_VERSIONS,
      contact: { email: contactEmail(), account: null },
      rules: rules.map(serializeRule),
      wrapstodon: null,
    };
  });

  app.get('/api/v1/instance', async () => {
    const u = await usage();
    const { registrations: r, rules } = await facts();
    return {
      uri: ctx.config.domain, title: 'Firebreak', short_description: description, description, email: contactEmail(),
      version: VERSION, urls: { streaming_api: base.replace(/^http/, 'ws') },
      stats: { user_count: u.users, status_count: u.statuses, domain_count: 1 },
      thumbnail: null, languages: ['en'], registrations: r.mode !== 'closed', approval_required: r.mode === 'approval', invites_enabled: true,
      configuration: instanceConfiguration(ctx), contact_account: null, rules: rules.map(serializeRule),
    };
  });

  app.get('/icon.svg', async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').header('content-security-policy', "default-src 'none'").send(ICON));

  app.get('/api/v1/custom_emojis', async () => []);
  // No federation, so no peers.
  app.get('/api/v1/instance/peers', async () => []);
  app.get('/api/v1/instance/rules', async () => (await facts()).rules.map(serializeRule));
  app.get('/api/v1/instance/activity', async () => activity());
  app.get('/api/v1/instance/languages', async () => languageList());
  // No translation service: no language pairs (Mastodon answers {} when translation is off).
  app.get('/api/v1/instance/translation_languages', async () => ({}));
  app.get('/api/v1/instance/extended_description', async () => ({ updated_at: new Date(0).toISOString(), content: `<p>${description}</p>` }));

  app.get('/api/v1/preferences', { config: rule('user', 'read:accounts') }, async () => ({
    'posting:default:visibility': 'public', 'posting:default:sensitive': false, 'posting:default:language': null,
    'posting:default:quote_policy': 'public', 'reading:expand:media': 'default', 'reading:expand:spoilers': false,
  }));

  app.get('/.well-known/nodeinfo', async () => ({
    links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `${base}/nodeinfo/2.0` }],
  }));

  app.get('/nodeinfo/2.0', async (_request, reply) => {
    const u = await usage();
    reply.type('application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"');
    return {
      version: '2.0', software: { name: 'firebreak', version: '0.1.0' }, protocols: [], services: { outbound: [], inbound: [] },
      usage: { users: { total: u.users, activeMonth: u.activeMonth, activeHalfyear: u.activeHalfyear }, localPosts: u.statuses },
      openRegistrations: (await facts()).registrations.mode === 'open', metadata: { nodeName: 'Firebreak' },
    };
  });
}
