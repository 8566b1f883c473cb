// The fire drill's picture audit (pure): an acknowledged picture must still be on its post and read
// back with the bytes its SHA-256 name promises; every acknowledged upload must still exist.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { auditMedia, promisedSha256 } from '@firebreak/ops/drill/audit.js';
import type { WriteOp } from '@firebreak/ops/drill/workload.js';

const sha = (c: string) => c.repeat(64);
const url = (c: string) => `http://edge/system/files/${sha(c)}.jpg`;
const write = (statusId: string, mediaId: string, file: string): WriteOp => ({
  key: statusId, text: statusId, account: 0, start: 0, end: 1, result: 'acked', statusId, attempts: 1, media: { uploadKey: `u${mediaId}`, mediaId, url: url(file) },
});

it('counts pictures kept, lost (off the post, or not served) and corrupt, and uploads lost', () => {
  const writes = [write('1', '11', 'a'), write('2', '22', 'b'), write('3', '33', 'c'), write('4', '44', 'd'), { ...write('5', '55', 'e'), result: 'failed' as const }];
  const rows = [{ id: '1', text: '1', media_ids: ['11'] }, { id: '2', text: '2', media_ids: [] }, { id: '3', text: '3', media_ids: ['33'] }, { id: '4', text: '4', media_ids: ['44'] }];
  const files = new Map([[url('a'), { status: 200, sha256: sha('a') }], [url('c'), { status: 404 }], [url('d'), { status: 200, sha256: sha('f') }]]);
  const uploads = [{ key: 'u11', mediaId: '11', ackAt: 0 }, { key: 'u66', mediaId: '66', ackAt: 0 }];
  const audit = auditMedia(writes, uploads, rows, new Set(['11', '22', '33', '44']), files);
  assert.equal(audit.acknowledged, 4);
  assert.deepEqual(audit.lost.map((l) => l.mediaId), ['22', '33']);
  assert.deepEqual(audit.corrupt.map((c) => c.statusId), ['4']);
  assert.deepEqual(audit.uploadsLost, ['66']);
  assert.equal(promisedSha256(url('a')), sha('a'));
  assert.equal(audit.longestMs, 1);
});
