// Ordered migrations. Append new files; never edit one that has shipped.
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-performance.js';
import * as m0003 from './0003-web-sessions.js';
import * as m0004 from './0004-status-edits.js';
import * as m0005 from './0005-follow-requests-markers.js';
import * as m0006 from './0006-home-feed.js';
import * as m0007 from './0007-conversations.js';
import * as m0008 from './0008-login-attempts.js';
import * as m0009 from './0009-security.js';
import * as m0010 from './0010-control-what-you-read.js';
import * as m0011 from './0011-media.js';
import * as m0012 from './0012-moderation.js';
import * as m0013 from './0013-account-version.js';
import * as m0014 from './0014-feed-outbox.js';
import * as m0015 from './0015-limited-accounts.js';
import * as m0016 from './0016-status-content-version.js';

export const migrations: Array<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'initial', sql: m0001.sql },
  { version: 2, name: 'performance', sql: m0002.sql },
  { version: 3, name: 'web_sessions', sql: m0003.sql },
  { version: 4, name: 'status_edits', sql: m0004.sql },
  { version: 5, name: 'follow_requests_markers', sql: m0005.sql },
  { version: 6, name: 'home_feed', sql: m0006.sql },
  { version: 7, name: 'conversations', sql: m0007.sql },
  { version: 8, name: 'login_attempts', sql: m0008.sql },
  { version: 9, name: 'security', sql: m0009.sql },
  { version: 10, name: 'control_what_you_read', sql: m0010.sql },
  { version: 11, name: 'media', sql: m0011.sql },
  { version: 12, name: 'moderation', sql: m0012.sql },
  { version: 13, name: 'account_version', sql: m0013.sql },
  { version: 14, name: 'feed_outbox', sql: m0014.sql },
  { version: 15, name: 'limited_accounts', sql: m0015.sql },
  { version: 16, name: 'status_content_version', sql: m0016.sql },
];
