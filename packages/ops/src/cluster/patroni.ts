// Patroni and PostgreSQL 15, one member per DC. The configuration is pure; rules from DESIGN §2:
// strict synchronous replication, pg_rewind for a returning DC, etcd v3 as the DCS, watchdog off
// (simulation only: one kernel). Then starting a member, asking the members who leads, waiting for a
// healthy cluster, and creating the app's role and database on the primary.
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { assetPath } from '../entry-points.js';
import { getJson } from './http.js';
import { ETCD_CLIENT_PORT, PATRONI_PORT, PG_PORT, SCOPE, SUBNET, patroniTiming, supervisor, type DataCenter, type Layout } from './layout.js';
import { isIsolated } from './netns.js';
import { must, startDetached, waitFor } from './proc.js';
import { toYaml, type YamlValue } from './yaml.js';

/** PostgreSQL and Patroni run as the Debian package's user. */
export const POSTGRES_USER = 'postgres';

export function patroniConfig(layout: Layout, dc: DataCenter): YamlValue {
  const { secrets } = layout;
  return {
    scope: SCOPE,
    namespace: '/service/',
    name: dc.name,
    log: { level: 'INFO' },
    restapi: { listen: `${dc.ip}:${PATRONI_PORT}`, connect_address: `${dc.ip}:${PATRONI_PORT}` },
    // use_proxies: the three hosts are the whole list, never rediscovered. Patroni otherwise asks the
    // members for the cluster's topology whenever every host has failed, one timeout per host outside
    // its retry deadline: an isolated primary spent 6 s so before it demoted itself, and overlapped
    // the new primary (a partition drill saw two).
    etcd3: { hosts: layout.dcs.map((d) => `${d.ip}:${ETCD_CLIENT_PORT}`), protocol: 'http', use_proxies: true },
    bootstrap: {
      dcs: {
        // Failover timing (see patroniTiming): the leader key lives `ttl` s; the primary demotes
        // itself when a DCS call fails after `retry_timeout`; `loop_wait` is the HA loop period.
        // loop_wait + 2*retry_timeout < ttl keeps a cut-off primary from being replaced while it
        // still thinks it leads.
        ttl: patroniTiming.ttl,
        loop_wait: patroniTiming.loopWait,
        retry_timeout: patroniTiming.retryTimeout,
        maximum_lag_on_failover: 1024 * 1024,
        synchronous_mode: true,
        synchronous_mode_strict: true,
        synchronous_node_count: 1,
        failsafe_mode: false,
        check_timeline: true,
        postgresql: {
          use_pg_rewind: true,
          // No replication slots: a new primary creates its standbys' slots only in the HA loop
          // after its promotion task ends, and until then a standby that reconnected at once is
          // refused ("replication slot does not exist"), so in strict synchronous mode every
          // commit waited for it: 2.3 to 2.9 s of each fire's write stall. wal_keep_size keeps
          // the WAL a briefly disconnected standby needs; one that falls further behind cannot catch
          // up and must be rebuilt by hand (BENCHMARKS.md "Checkpoints and WAL compression").
          use_slots: false,
          parameters: {
            max_connections: 300,
            shared_buffers: '64MB',
            wal_level: 'replica',
            hot_standby: 'on',
            hot_standby_feedback: 'on',
            wal_log_hints: 'on',
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_keep_size: '512MB',
            // Set on purpose: initdb scaled PostgreSQL's 1GB default down to 64MB with the 1 MB
            // segments (see initdb below), a checkpoint every 64 MB of WAL, after which the next
            // change to each page writes it whole. 1GB gave more posts in the cluster bench (73 a
            // second against 55, BENCHMARKS.md) but leaves more for crash recovery and for
            // pg_rewind to copy after a partition (every block changed since the last shared
            // checkpoint), which the drills have not measured (BENCHMARKS.md).
            max_wal_size: '64MB',
            // What makes those whole pages cheaper instead: compressed, they are a smaller part of
            // the WAL every commit waits to reach the synchronous standby. WAL per status created in
            // the cluster bench: 33 to 35 KB against 39 to 52 KB; posts 80 and 82 a second against
            // 40, 48 and 87 without (alternating, BENCHMARKS.md).
            wal_compression: 'lz4',
            synchronous_commit: 'on',
            password_encryption: 'scram-sha-256',
            // After a failover a standby reconnects to the new primary, which may not accept it yet
            // (still promoting); the default 5 s pause before retrying would hold every commit that long.
            wal_retrieve_retry_interval: '500ms',
            // A replication peer behind a cut link is declared dead after 5 s, not 60: an isolated
            // old primary's demotion (a shutdown that waits for its walsenders) and a replica's
            // switch to the new primary both wait on it.
            wal_sender_timeout: '5s',
            wal_receiver_timeout: '5s',
            wal_receiver_status_interval: '1s',
          },
        },
      },
      // 1 MB WAL segments, not 16: a standby that switches to a new primary asks for WAL from the
      // start of its current segment and receives it again, twice (the old timeline up to the switch,
      // then the new one). With 16 MB segments that was up to 16 MB over the DC link while strict
      // synchronous mode held every commit: 4.6 s and 2.1 s of one fire drill's write stall.
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }, 'data-checksums', { 'wal-segsize': '1' }],
    },
    postgresql: {
      listen: `${dc.ip}:${PG_PORT}`,
      connect_address: `${dc.ip}:${PG_PORT}`,
      data_dir: dc.pgData,
      bin_dir: '/usr/lib/postgresql/15/bin',
      pgpass: join(dc.pgDir, 'pgpass'),
      authentication: {
        superuser: { username: 'postgres', password: secrets.superuser },
        replication: { username: 'replicator', password: secrets.replication },
        rewind: { username: 'rewinder', password: secrets.rewind },
      },
      parameters: { unix_socket_directories: dc.pgDir },
      create_replica_methods: ['basebackup'],
      basebackup: [{ checkpoint: 'fast' }],
      remove_data_directory_on_rewind_failure: true,
      remove_data_directory_on_diverged_timelines: true,
      pg_hba: [
        'local all all trust',
        `host replication replicator ${SUBNET}.0/24 scram-sha-256`,
        `host all all ${SUBNET}.0/24 scram-sha-256`,
        'host all all 127.0.0.1/32 scram-sha-256',
      ],
    },
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

export function patroniYaml(layout: Layout, dc: DataCenter): string {
  return `# Generated by \`firebreak cluster up\`; edit packages/ops/src/cluster/patroni.ts instead.\n${toYaml(patroniConfig(layout, dc))}`;
}

export function patroniConfigPath(dc: DataCenter): string {
  return join(dc.dir, 'patroni.yml');
}

export function writePatroniConfig(layout: Layout, dc: DataCenter): void {
  const path = patroniConfigPath(dc);
  writeFileSync(path, patroniYaml(layout, dc), { mode: 0o640 });
  const gid = Number(must('id', ['-g', POSTGRES_USER]).trim());
  chownSync(path, 0, gid);
}

/**
 * Debian's Patroni, started through a launcher that applies one upstream fix it lacks (a partitioned
 * ex-leader could take the leader key back and lose acknowledged writes); see the launcher's header.
 */
const patroniLauncher = assetPath('patroni-launch.py');

export function startPatroni(layout: Layout, dc: DataCenter): void {
  startDetached(supervisor(layout), {
    name: `${dc.name}-patroni`, ns: dc.ns, user: POSTGRES_USER, cwd: dc.pgDir,
    argv: ['/usr/bin/python3', patroniLauncher, patroniConfigPath(dc)],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: dc.pgDir },
  });
}

export interface PatroniMember { name: string; role: string; state: string; host: string; timeline?: number; lag?: number | string }

/** The cluster as the first reachable member's REST API sees it. */
export async function patroniCluster(layout: Layout, dcs = layout.dcs): Promise<PatroniMember[] | undefined> {
  for (const dc of dcs) {
    if (isIsolated(dc)) continue;
    const r = await getJson<{ members: PatroniMember[] }>(`http://${dc.ip}:${PATRONI_PORT}/cluster`);
    if (r.status === 200 && r.body?.members) return r.body.members;
  }
  return undefined;
}

/** Healthy: one leader running, a synchronous standby streaming, every expected member present. */
export async function waitPatroniHealthy(layout: Layout, expected: string[], timeoutMs: number, alive?: () => void): Promise<PatroniMember[]> {
  return waitFor('Patroni: a primary, a synchronous standby and every member replicating', timeoutMs, async () => {
    const members = await patroniCluster(layout);
    if (!members) return undefined;
    const leader = members.filter((m) => m.role === 'leader' && m.state === 'running');
    const sync = members.filter((m) => m.role === 'sync_standby' && (m.state === 'streaming' || m.state === 'running'));
    const present = expected.every((n) => members.some((m) => m.name === n && ['running', 'streaming'].includes(m.state)));
    return leader.length === 1 && sync.length >= 1 && present ? members : undefined;
  }, alive);
}

/** The app's role and database, created on the leader once. */
export async function ensureAppDatabase(layout: Layout): Promise<void> {
  const members = await patroniCluster(layout);
  const leader = members?.find((m) => m.role === 'leader');
  if (!leader) throw new Error('no Patroni leader to create the app database on');
  const sql = postgres({ host: leader.host, port: PG_PORT, user: 'postgres', password: layout.secrets.superuser, database: 'postgres', connect_timeout: 3, max: 1, onnotice: () => {} });
  try {
    const pw = layout.secrets.app.replace(/'/g, "''");
    const role = await sql`select 1 from pg_roles where rolname = 'firebreak'`;
    if (!role.length) await sql.unsafe(`create role firebreak login password '${pw}'`);
    const db = await sql`select 1 from pg_database where datname = 'firebreak'`;
    if (!db.length) await sql.unsafe('create database firebreak owner firebreak');
  } finally {
    await sql.end({ timeout: 1 });
  }
}
