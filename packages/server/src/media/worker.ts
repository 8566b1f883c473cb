// The processing process: started by processor.ts under `nice`, one job at a time, talking over IPC.
// Decoding untrusted files happens here, not in the app server: a decoder that blows up takes this
// process with it, and the app server starts another.
import { sniff } from './sniff.js';
import { BadMedia, type WorkerReply, type WorkerRequest } from './processed.js';
import { processImage, processProfileImage, processThumbnail, inspect } from './process-image.js';
import { processVideo } from './process-video.js';

async function handle(request: WorkerRequest) {
  switch (request.op) {
    case 'attachment': {
      const kind = sniff(request.input);
      if (!kind) throw new BadMedia('File content type is invalid');
      if (kind.kind === 'image') {
        const meta = await inspect(request.input);
        if (kind.mime === 'image/gif' && (meta.pages ?? 1) > 1) return processVideo(request.input, { gif: true, maxDurationSeconds: request.maxDurationSeconds });
        return processImage(request.input);
      }
      return processVideo(request.input, { gif: false, maxDurationSeconds: request.maxDurationSeconds });
    }
    case 'thumbnail': return processThumbnail(request.input);
    case 'profile': return processProfileImage(request.input, request.width, request.height);
  }
}

process.on('message', (message: { id: number; request: WorkerRequest }) => {
  // Buffers cross IPC as plain Uint8Arrays.
  const request = { ...message.request, input: Buffer.from(message.request.input) };
  handle(request).then(
    (result) => process.send!({ id: message.id, ok: true, result } satisfies WorkerReply),
    (err: unknown) => process.send!({ id: message.id, ok: false, bad: err instanceof BadMedia, error: (err as Error).message } satisfies WorkerReply),
  );
});
// The app server went away: so does this process.
process.on('disconnect', () => process.exit(0));
