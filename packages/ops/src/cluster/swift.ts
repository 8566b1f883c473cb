// The cluster's object store: OpenStack Swift (Debian's packages) with one storage node per DC.
// Account, container and object rings of three replicas, one zone per DC, so every object has a copy
// in each DC; a write is acknowledged when two of them have it (Swift's quorum for three replicas),
// the same promise as a post. Each DC runs a proxy with the s3api middleware, which its app servers
// use as their S3 endpoint (FIREBREAK_MEDIA_STORE=s3), reading from their own DC first
// (read affinity). Replicators, through an rsync daemon per DC, copy what a revived, empty DC is
// missing back onto it. The rings and configuration live outside the DCs (they are deployment, like
// HAProxy's config); the data lives in the DC's directory, which a fire deletes.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson } from './http.js';
import { supervisor, type DataCenter, type Layout } from './layout.js';
import { startDetached } from './proc.js';

export const SWIFT_PORTS = { object: 6200, container: 6201, account: 6202, proxy: 8090, rsync: 873 } as const;
export const MEDIA_BUCKET = 'firebreak-media';
const SERVERS = ['account', 'container', 'object'] as const;
const REPLICATORS = SERVERS.map((s) => `${s}-replicator` as const);
const PYTHON = '/usr/bin/python3';

/** The Debian packages the cluster's object store needs, by the binary that proves each is there. */
export const SWIFT_BINARIES: Array<[string, string]> = [
  ['swift-proxy-server', 'swift-proxy'], ['swift-object-server', 'swift-object'], ['swift-container-server', 'swift-container'],
  ['swift-account-server', 'swift-account'], ['swift-ring-builder', 'swift'], ['rsync', 'rsync'],
];

/** The rings and every DC's configuration (not any DC's data). */
export const swiftRoot = (layout: Layout) => join(layout.runDir, 'swift');
const devices = (dc: DataCenter) => join(dc.dir, 'swift');
const confDir = (layout: Layout, dc: DataCenter) => join(swiftRoot(layout), dc.name);

/** The supervisor's names of a DC's Swift processes (a fire forgets them with the rest). */
export function swiftProcessNames(dc: DataCenter): string[] {
  return [...SERVERS, 'proxy', ...REPLICATORS, 'rsync'].map((s) => `${dc.name}-swift-${s}`);
}

export const s3Endpoint = (dc: DataCenter) => `http://${dc.ip}:${SWIFT_PORTS.proxy}`;

/** tempauth's account and user: the S3 access key is "account:user", the secret its password. */
export const swiftCredentials = (layout: Layout) => ({ accessKeyId: 'firebreak:media', secretAccessKey: layout.secrets.media });

/** Rings (built once per cluster: they must not change under running servers) and each DC's configuration. */
export function writeSwiftConfig(layout: Layout): void {
  const dir = swiftRoot(layout);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'swift.conf');
  if (!existsSync(conf)) {
    writeFileSync(conf, `[swift-hash]\nswift_hash_path_suffix = ${layout.secrets.media}\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n`);
  }
  for (const ring of SERVERS) {
    if (existsSync(join(dir, `${ring}.ring.gz`))) continue;
    const builder = join(dir, `${ring}.builder`);
    // 2^6 partitions (few devices, and fewer partitions to walk for the replicators), 3 replicas, a
    // partition may move again after an hour.
    execFileSync('swift-ring-builder', [builder, 'create', '6', '3', '1'], { stdio: 'ignore' });
    for (const dc of layout.dcs) execFileSync('swift-ring-builder', [builder, 'add', `r1z${dc.index}-${dc.ip}:${SWIFT_PORTS[ring]}/d1`, '100'], { stdio: 'ignore' });
    execFileSync('swift-ring-builder', [builder, 'rebalance'], { stdio: 'ignore' });
  }
  for (const dc of layout.dcs) writeDcConfig(layout, dc);
}

function writeDcConfig(layout: Layout, dc: DataCenter): void {
  const out = confDir(layout, dc);
  mkdirSync(out, { recursive: true });
  const common = ['[DEFAULT]', `devices = ${devices(dc)}`, 'mount_check = false', `bind_ip = ${dc.ip}`, 'workers = 0', 'user = root', `swift_dir = ${swiftRoot(layout)}`, 'log_level = WARNING'];
  for (const ring of SERVERS) {
    writeFileSync(join(out, `${ring}-server.conf`), [
      ...common, `bind_port = ${SWIFT_PORTS[ring]}`,
      '', '[pipeline:main]', `pipeline = healthcheck ${ring}-server`, '', `[app:${ring}-server]`, `use = egg:swift#${ring}`,
      '', '[filter:healthcheck]', 'use = egg:swift#healthcheck',
      // The replicators: every 15 s, through the DCs' rsync daemons, with short timeouts (a burned DC never answers).
      '', `[${ring}-replicator]`, 'interval = 15', 'conn_timeout = 0.5', 'node_timeout = 5', 'rsync_timeout = 60', 'concurrency = 1',
      ...(ring === 'container' ? ['', '[container-updater]', '', '[container-auditor]', '', '[container-sync]'] : []),
      ...(ring === 'object' ? ['', '[object-updater]', '', '[object-auditor]'] : []), '',
    ].join('\n'));
  }
  writeFileSync(join(out, 'proxy-server.conf'), [
    '[DEFAULT]', `bind_ip = ${dc.ip}`, `bind_port = ${SWIFT_PORTS.proxy}`, 'workers = 0', 'user = root', `swift_dir = ${swiftRoot(layout)}`, 'log_level = WARNING',
    '', '[pipeline:main]', 'pipeline = catch_errors healthcheck cache s3api tempauth proxy-server',
    // A burned DC's node never answers: give up on it quickly; the other two make the quorum. Reads go
    // to this DC's copy first.
    '', '[app:proxy-server]', 'use = egg:swift#proxy', 'account_autocreate = true', 'conn_timeout = 0.5', 'node_timeout = 5',
    'recoverable_node_timeout = 2', 'post_quorum_timeout = 0.5', 'sorting_method = affinity', `read_affinity = r1z${dc.index}=100`,
    '', '[filter:catch_errors]', 'use = egg:swift#catch_errors', '', '[filter:healthcheck]', 'use = egg:swift#healthcheck',
    '', '[filter:cache]', 'use = egg:swift#memcache', 'memcache_servers = 127.0.0.1:1',
    '', '[filter:s3api]', 'use = egg:swift#s3api', 'location = us-east-1',
    '', '[filter:tempauth]', 'use = egg:swift#tempauth', `user_firebreak_media = ${layout.secrets.media} .admin`, '',
  ].join('\n'));
  writeFileSync(join(out, 'rsyncd.conf'), [
    'uid = root', 'gid = root', `address = ${dc.ip}`, `port = ${SWIFT_PORTS.rsync}`, 'use chroot = no', `pid file = ${join(out, 'rsyncd.pid')}`,
    ...SERVERS.flatMap((m) => ['', `[${m}]`, `path = ${devices(dc)}`, 'read only = false', `lock file = ${join(out, `rsync-${m}.lock`)}`, 'max connections = 4']), '',
  ].join('\n'));
}

/** A DC's storage node, proxy, replicators and rsync daemon, restarted when they exit. */
export function startSwift(layout: Layout, dc: DataCenter): void {
  mkdirSync(join(devices(dc), 'd1'), { recursive: true });
  const sup = supervisor(layout);
  const conf = confDir(layout, dc);
  const start = (name: string, argv: string[]) => startDetached(sup, { name: `${dc.name}-swift-${name}`, ns: dc.ns, argv, restart: true });
  start('rsync', ['rsync', '--daemon', '--no-detach', `--config=${join(conf, 'rsyncd.conf')}`]);
  for (const ring of SERVERS) start(ring, [PYTHON, `/usr/bin/swift-${ring}-server`, join(conf, `${ring}-server.conf`)]);
  for (const ring of SERVERS) start(`${ring}-replicator`, [PYTHON, `/usr/bin/swift-${ring}-replicator`, join(conf, `${ring}-server.conf`)]);
  start('proxy', [PYTHON, '/usr/bin/swift-proxy-server', join(conf, 'proxy-server.conf')]);
}

/** Every server of the DC answers its healthcheck. */
export async function swiftReady(dc: DataCenter): Promise<boolean> {
  const ports = [SWIFT_PORTS.account, SWIFT_PORTS.container, SWIFT_PORTS.object, SWIFT_PORTS.proxy];
  const answers = await Promise.all(ports.map((p) => getJson(`http://${dc.ip}:${p}/healthcheck`, 1500)));
  return answers.every((a) => a.status === 200);
}

/** The media bucket, made through one DC's S3 proxy: a quorum of its container's three replicas must store it, as for an object. */
export async function ensureMediaBucket(layout: Layout, through: DataCenter): Promise<void> {
  const client = new S3Client({ endpoint: s3Endpoint(through), region: 'us-east-1', forcePathStyle: true, credentials: swiftCredentials(layout), maxAttempts: 1 });
  try {
    await client.send(new CreateBucketCommand({ Bucket: MEDIA_BUCKET }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
  } finally {
    client.destroy();
  }
}
