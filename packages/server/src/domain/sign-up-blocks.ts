// What keeps unwanted sign-ups out, as Mastodon's admin API manages it: IP blocks (an address range
// refused, sent to approval, or refused sign-in too), e-mail domain blocks (a provider and its
// subdomains; MX records are not looked up) and canonical e-mail blocks (an address however it is
// dotted or +tagged, kept only as a hash). Each change is logged; each attempt an e-mail domain block
// refuses is counted for its history.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Db, Queryable, Tx } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { logAction } from './audit-log.js';
import { keysetPage, type PageParams } from './pagination.js';

export const IP_SEVERITIES = ['sign_up_requires_approval', 'sign_up_block', 'no_access'] as const;
export type IpSeverity = (typeof IP_SEVERITIES)[number];

/** The longest a block may be set to expire in (seconds), and the longest comment. */
export const BLOCK_LIMITS = { expiresInSeconds: 10 * 365 * 86400, comment: 1000, domain: 253 };

/** An address as PostgreSQL's inet reads it: IPv4-mapped IPv6 (`::ffff:1.2.3.4`, how Node reports IPv4 on a dual-stack socket) as IPv4. */
export const normalAddress = (address: string) => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');

// --- IP blocks -------------------------------------------------------------------------------------

export interface IpBlockRow { id: string; ip: string; severity: IpSeverity; comment: string; expires_at: Date | null; created_at: Date }

const IP_COLUMNS = 'b.id, b.ip::text as ip, b.severity, b.comment, b.expires_at, b.created_at';

/** `1.2.3.4`, `1.2.3.0/24`, `2001:db8::/32`; host bits are cleared (`1.2.3.4/24` is `1.2.3.0/24`). */
export function parseIpRange(raw: string): string {
  const [address, prefix, extra] = raw.trim().split('/');
  const family = isIP(address ?? '');
  const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
  if (!family || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32) || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
    throw unprocessable('Validation failed: Ip is invalid', { ip: [{ error: 'ERR_INVALID', description: 'is invalid' }] });
  }
  return `${address}/${bits}`;
}

export interface IpBlockInput { ip?: string; severity?: IpSeverity; comment?: string; expiresIn?: number | null }

export function listIpBlocks(db: Queryable, page: PageParams): Promise<IpBlockRow[]> {
  return keysetPage<IpBlockRow>(db, page, 'b.id', [], (k) => `select ${IP_COLUMNS} from ip_blocks b where ${k.where} order by ${k.order} limit ${k.limit}`);
}

export async function getIpBlock(db: Queryable, id: string): Promise<IpBlockRow> {
  const [row] = await db.query<IpBlockRow>(`select ${IP_COLUMNS} from ip_blocks b where b.id = $1`, [id]);
  if (!row) throw notFound();
  return row;
}

const expiry = (expiresIn: number | null | undefined) => (expiresIn ? new Date(Date.now() + expiresIn * 1000) : null);

export async function createIpBlock(tx: Tx, actorId: string, input: IpBlockInput): Promise<IpBlockRow> {
  if (!input.severity) throw unprocessable("Validation failed: Severity can't be blank", { severity: [{ error: 'ERR_BLANK', description: "can't be blank" }] });
  const range = parseIpRange(input.ip ?? '0.0.0.0/32');
  const [row] = await tx.query<IpBlockRow>(
    `insert into ip_blocks as b (ip, severity, comment, expires_at) values (network($1::inet), $2, $3, $4) on conflict (ip) do nothing returning ${IP_COLUMNS}`,
    [range, input.severity, input.comment ?? '', expiry(input.expiresIn)]);
  if (!row) throw unprocessable('Validation failed: Ip has already been taken', { ip: [{ error: 'ERR_TAKEN', description: 'has already been taken' }] });
  await logAction(tx, actorId, 'create', 'IpBlock', row.id, `${row.ip} (${row.severity})`);
  return row;
}

export async function updateIpBlock(tx: Tx, actorId: string, id: string, input: IpBlockInput): Promise<IpBlockRow> {
  const range = input.ip === undefined ? null : parseIpRange(input.ip);
  const rows = await tx.query<IpBlockRow>(
    `update ip_blocks b set ip = coalesce(network($2::inet), b.ip), severity = coalesce($3, b.severity), comment = coalesce($4, b.comment),
       expires_at = case when $6 then $5 else b.expires_at end, updated_at = now()
     where b.id = $1 and not exists (select 1 from ip_blocks o where o.ip = network($2::inet) and o.id <> $1) returning ${IP_COLUMNS}`,
    [id, range, input.severity ?? null, input.comment ?? null, expiry(input.expiresIn), input.expiresIn !== undefined]);
  if (!rows[0]) {
    await getIpBlock(tx, id);
    throw unprocessable('Validation failed: Ip has already been taken', { ip: [{ error: 'ERR_TAKEN', description: 'has already been taken' }] });
  }
  await logAction(tx, actorId, 'update', 'IpBlock', id, `${rows[0].ip} (${rows[0].severity})`);
  return rows[0];
}

export async function deleteIpBlock(tx: Tx, actorId: string, id: string): Promise<void> {
  const [row] = await tx.query<{ ip: string }>('delete from ip_blocks where id = $1 returning ip::text as ip', [id]);
  if (!row) throw notFound();
  await logAction(tx, actorId, 'destroy', 'IpBlock', id, row.ip);
}

/** The most severe block in force on `address`, if any. */
export async function ipSeverity(db: Queryable, address: string): Promise<IpSeverity | null> {
  if (!isIP(normalAddress(address))) return null;
  const [row] = await db.query<{ severity: IpSeverity }>(
    `select severity from ip_blocks where $1::inet <<= ip and (expires_at is null or expires_at > now())
     order by case severity when 'no_access' then 0 when 'sign_up_block' then 1 else 2 end limit 1`, [normalAddress(address)]);
  return row?.severity ?? null;
}

// --- E-mail domain blocks -------------------------------------------------------------------------

export interface EmailDomainBlockRow { id: string; domain: string; allow_with_approval: boolean; created_at: Date; history: Array<{ day: string; accounts: string; uses: string }> }

/** A domain as people write it: letters, digits, hyphens, dots; lower case, no trailing dot. */
function parseDomain(raw: string | undefined): string {
  const domain = (raw ?? '').trim().toLowerCase().replace(/\.$/, '');
  if (!domain) throw unprocessable("Validation failed: Domain can't be blank", { domain: [{ error: 'ERR_BLANK', description: "can't be blank" }] });
  if (domain.length > BLOCK_LIMITS.domain || !/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(domain)) {
    throw unprocessable('Validation failed: Domain is not a valid domain name', { domain: [{ error: 'ERR_INVALID', description: 'is not a valid domain name' }] });
  }
  return domain;
}

/** Each of the last seven days (newest first, as Mastodon lists them): refused attempts and distinct addresses. */
const EMAIL_BLOCK_SELECT = `select b.id, b.domain, b.allow_with_approval, b.created_at,
  (select json_agg(json_build_object('day', extract(epoch from d.day)::bigint::text,
      'accounts', (select count(distinct a.email_hash) from email_domain_block_attempts a where a.block_id = b.id and a.at >= d.day and a.at < d.day + interval '1 day')::text,
      'uses', (select count(*) from email_domain_block_attempts a where a.block_id = b.id and a.at >= d.day and a.at < d.day + interval '1 day')::text) order by d.day desc)
   from generate_series(date_trunc('day', now() at time zone 'utc') - interval '6 days', date_trunc('day', now() at time zone 'utc'), interval '1 day') as d(day)) as history
  from email_domain_blocks b`;

export function listEmailDomainBlocks(db: Queryable, page: PageParams): Promise<EmailDomainBlockRow[]> {
  return keysetPage<EmailDomainBlockRow>(db, page, 'b.id', [], (k) => `${EMAIL_BLOCK_SELECT} where ${k.where} order by ${k.order} limit ${k.limit}`);
}

export async function getEmailDomainBlock(db: Queryable, id: string): Promise<EmailDomainBlockRow> {
  const [row] = await db.query<EmailDomainBlockRow>(`${EMAIL_BLOCK_SELECT} where b.id = $1`, [id]);
  if (!row) throw notFound();
  return row;
}

export async function createEmailDomainBlock(tx: Tx, actorId: string, input: { domain?: string; allowWithApproval?: boolean }): Promise<EmailDomainBlockRow> {
  const domain = parseDomain(input.domain);
  const [row] = await tx.query<{ id: string }>(
    'insert into email_domain_blocks (domain, allow_with_approval) values ($1, $2) on conflict (domain) do nothing returning id', [domain, input.allowWithApproval ?? false]);
  if (!row) throw unprocessable('Validation failed: Domain has already been taken', { domain: [{ error: 'ERR_TAKEN', description: 'has already been taken' }] });
  await logAction(tx, actorId, 'create', 'EmailDomainBlock', row.id, domain);
  return getEmailDomainBlock(tx, row.id);
}

export async function deleteEmailDomainBlock(tx: Tx, actorId: string, id: string): Promise<void> {
  const [row] = await tx.query<{ domain: string }>('delete from email_domain_blocks where id = $1 returning domain', [id]);
  if (!row) throw notFound();
  await logAction(tx, actorId, 'destroy', 'EmailDomainBlock', id, row.domain);
}

/** The e-mail's domain and every domain above it: `mail.example.com`, `example.com`, `com`. */
function domainAndParents(email: string): string[] {
  const labels = (email.split('@')[1] ?? '').toLowerCase().split('.').filter(Boolean);
  return labels.map((_, i) => labels.slice(i).join('.'));
}

// --- Canonical e-mail blocks ---------------------------------------------------------------------

export interface CanonicalEmailBlockRow { id: string; canonical_email_hash: string }

/** Mastodon's canonical form: lower case, dots and a +tag removed from the local part; SHA-256 in hex. */
export function canonicalEmailHash(email: string): string {
  const lower = email.trim().toLowerCase();
  const at = lower.indexOf('@');
  const [local, domain] = at < 0 ? [lower, ''] : [lower.slice(0, at), lower.slice(at + 1)];
  const canonical = `${local.replace(/\./g, '').split('+', 1)[0]}@${domain}`;
  return createHash('sha256').update(canonical).digest('hex');
}

export function listCanonicalEmailBlocks(db: Queryable, page: PageParams): Promise<CanonicalEmailBlockRow[]> {
  return keysetPage<CanonicalEmailBlockRow>(db, page, 'b.id', [], (k) =>
    `select b.id, b.canonical_email_hash from canonical_email_blocks b where ${k.where} order by ${k.order} limit ${k.limit}`);
}

export async function getCanonicalEmailBlock(db: Queryable, id: string): Promise<CanonicalEmailBlockRow> {
  const [row] = await db.query<CanonicalEmailBlockRow>('select id, canonical_email_hash from canonical_email_blocks where id = $1', [id]);
  if (!row) throw notFound();
  return row;
}

export function matchingCanonicalEmailBlocks(db: Queryable, email: string): Promise<CanonicalEmailBlockRow[]> {
  return db.query<CanonicalEmailBlockRow>('select id, canonical_email_hash from canonical_email_blocks where canonical_email_hash = $1', [canonicalEmailHash(email)]);
}

export async function createCanonicalEmailBlock(tx: Tx, actorId: string, input: { email?: string; hash?: string }): Promise<CanonicalEmailBlockRow> {
  let hash: string;
  if (input.email) hash = canonicalEmailHash(input.email);
  else if (input.hash && /^[0-9a-f]{64}$/i.test(input.hash)) hash = input.hash.toLowerCase();
  else throw unprocessable("Validation failed: Canonical email hash can't be blank", { canonical_email_hash: [{ error: 'ERR_BLANK', description: "can't be blank" }] });
  const [row] = await tx.query<CanonicalEmailBlockRow>(
    `insert into canonical_email_blocks (canonical_email_hash, reference_account_id)
     values ($1, (select id from accounts where lower(email) = lower($2))) on conflict do nothing returning id, canonical_email_hash`, [hash, input.email ?? null]);
  if (!row) throw unprocessable('Validation failed: Canonical email hash has already been taken', { canonical_email_hash: [{ error: 'ERR_TAKEN', description: 'has already been taken' }] });
  await logAction(tx, actorId, 'create', 'CanonicalEmailBlock', row.id, `${hash.slice(0, 12)}…`);
  return row;
}

export async function deleteCanonicalEmailBlock(tx: Tx, actorId: string, id: string): Promise<void> {
  const [row] = await tx.query<{ canonical_email_hash: string }>('delete from canonical_email_blocks where id = $1 returning canonical_email_hash', [id]);
  if (!row) throw notFound();
  await logAction(tx, actorId, 'destroy', 'CanonicalEmailBlock', id, `${row.canonical_email_hash.slice(0, 12)}…`);
}

// --- A sign-up's verdict --------------------------------------------------------------------------

export type SignUpVerdict = 'allow' | 'approve' | 'refuse_address' | 'refuse_email';

/**
 * What the blocks say about a sign-up from `address` with `email`: refused, allowed only with a
 * moderator's approval, or allowed. A refusal by an e-mail domain block is counted in its history
 * (in a transaction of its own: the sign-up itself fails).
 */
export async function signUpVerdict(db: Db, email: string, address: string): Promise<SignUpVerdict> {
  const severity = await ipSeverity(db, address);
  if (severity === 'sign_up_block' || severity === 'no_access') return 'refuse_address';
  const [domainBlock] = await db.query<{ id: string; allow_with_approval: boolean }>(
    'select id, allow_with_approval from email_domain_blocks where domain = any($1::text[]) order by allow_with_approval limit 1', [domainAndParents(email)]);
  if (domainBlock && !domainBlock.allow_with_approval) {
    await db.transaction(async (tx) => {
      await tx.query('insert into email_domain_block_attempts (block_id, email_hash) values ($1, $2)', [domainBlock.id, canonicalEmailHash(email)]);
      await tx.query(`delete from email_domain_block_attempts where block_id = $1 and at < now() - interval '8 days'`, [domainBlock.id]);
    });
    return 'refuse_email';
  }
  if ((await matchingCanonicalEmailBlocks(db, email)).length) return 'refuse_email';
  return severity === 'sign_up_requires_approval' || domainBlock?.allow_with_approval ? 'approve' : 'allow';
}
