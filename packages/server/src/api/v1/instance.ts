// Discovery: what real clients read before anything else.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { usageCounter } from '../../domain/instance-stats.js';
import { rule } from '../auth.js';
import { CHARACTERS_PER_URL } from '../../shared/status-length.js';
import { DESCRIPTION_LIMIT, IMAGE_MATRIX_LIMIT, MAX_MEDIA_ATTACHMENTS, SUPPORTED_MIME_TYPES, VIDEO_FRAME_RATE_LIMIT, VIDEO_MATRIX_LIMIT } from '../../media/limits.js';

const VERSION = '4.5.0 (compatible; Firebreak 0.1.0)';

export function instanceConfiguration(ctx: AppContext) {
  const streamingBase = ctx.config.publicUrl.replace(/^http/, 'ws');
  return {
    urls: { streaming: streamingBase, status: null },
    accounts: { max_featured_tags: 0, max_pinned_statuses: 5 },
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

export default async function instance(app: FastifyInstance, ctx: AppContext) {
  const usage = usageCounter(ctx.db);
  const description = 'Firebreak: a microblog whose redundancy actually works.';
  app.get('/api/v2/instance', async () => ({
    domain: ctx.config.domain, title: 'Firebreak', version: VERSION, source_url: 'https://github.com/firebreak/firebreak',
    description, usage: { users: { active_month: (await usage()).users } },
    thumbnail: { url: `${ctx.config.publicUrl}/headers/original/missing.png` }, languages: ['en'],
    configuration: { ...instanceConfiguration(ctx), vapid: { public_key: '' } },
    registrations: { enabled: ctx.config.registrationsOpen, approval_required: false, message: null, url: null },
    // 7: Mastodon 4.5, the first with quote posts, which Firebreak implements.
    api_versions: { mastodon: 7 },
    contact: { email: `admin@${ctx.config.domain.split(':')[0]}`, account: null },
    rules: [],
  }));

  app.get('/api/v1/instance', async () => {
    const u = await usage();
    return {
      uri: ctx.config.domain, title: 'Firebreak', short_description: description, description, email: `admin@${ctx.config.domain.split(':')[0]}`,
      version: VERSION, urls: { streaming_api: ctx.config.publicUrl.replace(/^http/, 'ws') },
      stats: { user_count: u.users, status_count: u.statuses, domain_count: 1 },
      thumbnail: null, languages: ['en'], registrations: ctx.config.registrationsOpen, approval_required: false, invites_enabled: false,
      configuration: instanceConfiguration(ctx), contact_account: null, rules: [],
    };
  });

  app.get('/api/v1/custom_emojis', async () => []);
  // No federation, so no peers; no server rules beyond the agreement at sign-up.
  app.get('/api/v1/instance/peers', async () => []);
  app.get('/api/v1/instance/rules', async () => []);
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
      openRegistrations: ctx.config.registrationsOpen, metadata: { nodeName: 'Firebreak' },
    };
  });
}
