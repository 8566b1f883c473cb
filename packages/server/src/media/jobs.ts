// The processing loop of one app server: takes due jobs from the durable queue (domain/media.ts,
// `for update skip locked`, a lease renewed while it works) and runs them in the processing process.
// It starts a job only when the overload protection grants its lowest class, `background`, a slot,
// so a busy server stops starting media work before it sheds a single request; the processing itself
// runs under `nice`, one job at a time. Jobs outlive the server: a lapsed lease is taken over.
import type { AppContext } from '../context.js';
import { claimJob, failJob, finishJob, renewLease, JOB_LEASE_SECONDS, type ClaimedJob } from '../domain/media.js';
import type { PriorityAdmission } from '../overload/concurrency-limit.js';
import { fileKey } from './keys.js';
import { BadMedia } from './processed.js';

/** How often an idle server looks for jobs other servers queued (its own wake it at once). */
const POLL_MS = 2000;
/** How often a server that could not get a slot tries again. */
const BUSY_RETRY_MS = 250;

export interface MediaJobs { stop(): Promise<void> }

export function startMediaJobs(ctx: AppContext, admission: PriorityAdmission): MediaJobs {
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(() => { wake = undefined; resolve(); }, ms);
    wake = () => { clearTimeout(timer); wake = undefined; resolve(); };
  });
  const onQueued = () => wake?.();
  ctx.events.on('media.queued', onQueued);

  const loop = (async () => {
    while (!stopped) {
      const slot = admission.tryAcquire('background');
      if (!slot) { await sleep(BUSY_RETRY_MS); continue; }
      let job: ClaimedJob | undefined;
      try {
        job = await claimJob(ctx);
        if (job) await runJob(ctx, job);
      } catch (err) {
        ctx.logger.warn({ err }, 'media processing loop: database unavailable');
      } finally {
        // Its time says nothing about request latency: not sampled by the adaptive limit.
        slot.release(false);
      }
      if (!job && !stopped) await sleep(POLL_MS);
    }
  })();

  return {
    async stop() {
      stopped = true;
      ctx.events.off('media.queued', onQueued);
      wake?.();
      await loop;
    },
  };
}

export async function runJob(ctx: AppContext, job: ClaimedJob): Promise<void> {
  const renew = setInterval(() => { renewLease(ctx, job.mediaId).catch(() => {}); }, (JOB_LEASE_SECONDS * 1000) / 3);
  try {
    const upload = job.uploadKey ? await ctx.media.store.get(job.uploadKey) : undefined;
    if (!upload) { await failJob(ctx, job, 'The uploaded file is missing', true); return; }
    const p = await ctx.media.processor.attachment(upload.bytes, ctx.config.media.maxDurationSeconds);
    const file = fileKey(p.file.bytes, p.file.ext);
    await ctx.media.store.put(file, p.file.bytes, p.file.mime);
    const preview = p.preview ? fileKey(p.preview.bytes, p.preview.ext) : null;
    if (p.preview && preview) await ctx.media.store.put(preview, p.preview.bytes, p.preview.mime);
    await finishJob(ctx, job.mediaId, { type: p.type, fileKey: file, previewKey: preview, meta: p.meta, blurhash: p.blurhash });
  } catch (err) {
    const bad = err instanceof BadMedia;
    if (!bad) ctx.logger.warn({ err, mediaId: job.mediaId, attempt: job.attempts }, 'media processing failed');
    await failJob(ctx, job, bad ? (err as Error).message : 'Error processing the uploaded media', bad);
  } finally {
    clearInterval(renew);
  }
}
