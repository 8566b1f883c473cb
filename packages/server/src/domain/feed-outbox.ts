// The feed outbox (DESIGN §6): fan-out to home and list feeds, off the request path. The statement
// that creates a status or a reblog also queues it in feed_outbox (queueFanOutSql), so the queue
// commits with the post and is lost with it only. App servers drain the queue in batches: one
// transaction inserts a batch's rows into the feeds and deletes them from the queue, so a drain that
// dies before its commit leaves the batch queued, and one that is retried after an unknown outcome
// finds nothing or inserts nothing twice (on conflict do nothing). Until its drain a queued status is
// read from the queue by the home and list timelines (feedPageSql), so a follower sees a post as
// soon as it is acknowledged. One drain runs at a time in the whole cluster (a transaction-level
// advisory lock that drains take alone and feed fills share: home-feed.ts, holdOffFanOut); a server
// that finds the lock taken tries again shortly.
import { opaque, type Db } from '../db/index.js';
import type { AppEvents } from './events.js';
import { keyset, type PageParams } from './pagination.js';
import { FEED_FILL_LOCK, fanOutSql, type FeedTable } from './home-feed.js';
import { listFanOutSql } from './list-feed.js';
import { SerialRunner } from './serial-runner.js';

/** For the statement that creates statuses: queues those of `source` (a relation with an id column) for fan-out. */
export function queueFanOutSql(source: string): string {
  return `insert into feed_outbox (status_id) select id from ${source} on conflict do nothing`;
}

/**
 * A page of a feed with the outbox's queued statuses merged in, for the page query's row `owner` (an
 * alias of the feed's owners table, holding the floor): `columns` of the statuses that pass
 * `conditions`, from the feed's rows at or above its floor and from queued statuses at or above it
 * that the feed does not hold yet (a fill may have put them there before their drain). Each branch
 * has its own ORDER BY and LIMIT, so each is planned apart: the feed's stays a walk of its index,
 * newest first, that stops once the page is full (as one ordered union, PostgreSQL read and sorted
 * whole feeds, 800 rows each: 45 home reads/s instead of 1,100). Then the newest of both.
 *
 * The page's size is out of the planner's sight (db/opaque.ts): a custom plan for `limit=1` (a
 * client asking whether anything is new, the bench's warm-up) looked cheaper than the generic plan,
 * and a connection whose first five reads were such went on planning every read anew (3 ms of
 * PostgreSQL CPU each, against 0.2 ms to run it). Now one generic plan serves every page size.
 */
export function feedPageSql(feed: FeedTable, owner: string, columns: string, conditions: string[], p: PageParams, params: unknown[]): { sql: string; ascending: boolean } {
  const [ownerId, floor] = [`${owner}.id`, `${owner}.${feed.floor}`];
  const kf = keyset(p, 'fd.status_id', params);
  const ko = keyset(p, 'o.status_id', params);
  const where = conditions.join(' and ');
  const [feedLimit, outboxLimit] = [opaque(kf.limit, 'int'), opaque(ko.limit, 'int')];
  return {
    ascending: kf.ascending,
    sql: `select * from (
      (select ${columns} from ${feed.feed} fd join statuses s on s.id = fd.status_id
       where fd.${feed.owner} = ${ownerId} and fd.status_id >= ${floor} and ${kf.where} and ${where}
       order by ${kf.order} limit ${feedLimit})
      union all
      (select ${columns} from feed_outbox o join statuses s on s.id = o.status_id
       where o.status_id >= ${floor} and ${ko.where}
         and not exists (select 1 from ${feed.feed} fx where fx.${feed.owner} = ${ownerId} and fx.status_id = o.status_id) and ${where}
       order by ${ko.order} limit ${outboxLimit})) merged
    order by merged.id ${kf.ascending ? 'asc' : 'desc'} limit ${feedLimit}`,
  };
}

/**
 * The oldest queued statuses, fanned out and dequeued in one statement; returns each one's time in the
 * queue (s). The batch's size is out of the planner's sight (db/opaque.ts): given plainly, it made
 * PostgreSQL plan every drain anew (0.5 ms each, a sixth of a drain), where one generic plan serves
 * any size.
 */
const DRAIN_SQL = `
  with batch as (
    delete from feed_outbox o using (select status_id from feed_outbox order by status_id limit ${opaque('$1', 'int')}) oldest
    where o.status_id = oldest.status_id returning o.status_id, o.queued_at),
  src as (
    select s.id, s.account_id, s.visibility, s.reblog_of_id, array(select st.tag_id from status_tags st where st.status_id = s.id) as tag_ids
    from statuses s join batch b on b.status_id = s.id),
  fanned_out as (${fanOutSql('src', 'src.tag_ids')}),
  listed as (${listFanOutSql('src')})
  select extract(epoch from clock_timestamp() - queued_at)::float8 as waited from batch`;

/**
 * Drains up to `limit` queued statuses in one transaction; null when another drain or a feed fill
 * holds the lock (try again shortly). The lock is taken by a statement of its own, before the one
 * that reads: that one's snapshot then sees every fill that committed before the lock was free.
 */
export function drainFeedOutbox(db: Db, limit: number): Promise<number[] | null> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ got: boolean }>('select pg_try_advisory_xact_lock($1) as got', [FEED_FILL_LOCK]);
    if (!lock?.got) return null;
    return (await tx.query<{ waited: number }>(DRAIN_SQL, [limit])).map((r) => Number(r.waited));
  });
}

/** Whether anything is queued: a cheap read before the write that drains. */
async function anyQueued(db: Db): Promise<boolean> {
  const [row] = await db.query<{ queued: boolean }>('select exists (select 1 from feed_outbox) as queued');
  return row?.queued ?? false;
}

const BATCH = 500;
/** For statuses queued by servers that died before draining them (each server drains its own at once). */
const POLL_MS = 500;
/**
 * After finding the lock taken. The drain that holds it goes on until the outbox is empty, so this
 * only catches a status committed just after that drain's last look; retrying sooner cost every
 * server a transaction per round trip while another drained (in the cluster, across the links).
 */
const RETRY_MS = 250;

/** What a worker reports: each drained status's wait in the outbox (s), and failed drains. */
export interface DrainHooks { drained(seconds: number): void; failed(err: unknown): void }

/** Drains the outbox on this server: at once when a status is created here, and every POLL_MS. */
export class FeedOutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly runner = new SerialRunner(() => this.drain(), (err) => this.hooks.failed(err));
  /** Whether the next drain first asks if anything is queued (see kick). */
  private look = false;
  private readonly onStatus = () => this.kick(false);

  constructor(private readonly db: Db, private readonly events: AppEvents, private readonly hooks: DrainHooks) {}

  start(): void {
    this.events.on('status.created', this.onStatus);
    this.timer = setInterval(() => this.kick(true), POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.events.off('status.created', this.onStatus);
    await this.runner.stop();
  }

  /**
   * Drains now, or once more after the drain in progress. `look` first asks whether anything is
   * queued (a read, cheaper than the write that drains); a status just created here needs no
   * asking, nor does the drain after one in progress (a wake-up came meanwhile).
   */
  kick(look: boolean): void {
    if (!this.runner.busy) this.look = look;
    this.runner.run();
  }

  /** Drains until the outbox is empty (other servers' statuses included), or until another drain holds the lock. */
  private async drain(): Promise<void> {
    const look = this.look;
    this.look = false;
    if (look && !(await anyQueued(this.db))) return;
    while (!this.runner.stopping) {
      const waited = await drainFeedOutbox(this.db, BATCH);
      if (waited === null) {
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.kick(true), RETRY_MS);
        this.retry.unref();
        return;
      }
      for (const seconds of waited) this.hooks.drained(seconds);
      if (waited.length === 0) return;
    }
  }
}
