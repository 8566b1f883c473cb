// Video, animated GIF (as `gifv`) and audio with Debian's ffmpeg: probed first (duration, size and
// frame rate refused before any transcoding), then H.264 in MP4 (yuv420p, faststart, metadata
// dropped) with a poster frame, or MP3 for audio. Runs in the processing process, which is niced;
// ffmpeg inherits its niceness.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { VIDEO_FRAME_RATE_LIMIT, VIDEO_MATRIX_LIMIT, VIDEO_MAX_HEIGHT, VIDEO_MAX_WIDTH } from './limits.js';
import { BadMedia, type Processed } from './processed.js';
import { previewOf } from './process-image.js';

const run = promisify(execFile);
/** The longest a transcode may take, whatever the input: a stuck ffmpeg must not hold the queue. */
const FFMPEG_TIMEOUT_MS = 10 * 60_000;

interface Probe {
  streams: Array<{ codec_type: string; codec_name?: string; width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string; sample_rate?: string; channels?: number; channel_layout?: string; bit_rate?: string }>;
  format: { duration?: string; bit_rate?: string };
}

async function probe(path: string): Promise<Probe> {
  try {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path], { timeout: 30_000, maxBuffer: 4 * 1024 * 1024 });
    return JSON.parse(stdout) as Probe;
  } catch (err) {
    throw new BadMedia(`File could not be read as video or audio (${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().slice(0, 200)})`);
  }
}

const rate = (text: string | undefined) => {
  const [n, d] = (text ?? '0/1').split('/').map(Number);
  return d ? n! / d : 0;
};

/** "0:01:28.65", as Mastodon writes lengths. */
function length(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}`;
}

async function ffmpeg(args: string[]): Promise<void> {
  try {
    await run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { timeout: FFMPEG_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 });
  } catch (err) {
    throw new BadMedia(`File could not be transcoded (${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().slice(0, 200)})`);
  }
}

/** `gif`: an animated GIF, which becomes a silent looping `gifv`. */
export async function processVideo(input: Buffer, options: { gif: boolean; maxDurationSeconds: number }): Promise<Processed> {
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-media-'));
  try {
    const source = join(dir, 'input');
    await writeFile(source, input);
    const info = await probe(source);
    const video = info.streams.find((s) => s.codec_type === 'video');
    const audio = info.streams.find((s) => s.codec_type === 'audio');
    const duration = Number(info.format.duration ?? 0);
    if (!video && !audio) throw new BadMedia('File has neither video nor audio');
    if (!Number.isFinite(duration) || duration <= 0) throw new BadMedia('File has no duration');
    if (duration > options.maxDurationSeconds) throw new BadMedia(`File is too long: ${Math.round(duration)} s is more than ${options.maxDurationSeconds} s`);
    if (!video) return await processAudio(dir, source, audio!, duration, info);
    const { width = 0, height = 0 } = video;
    if (width * height > VIDEO_MATRIX_LIMIT) throw new BadMedia(`Video is too large: ${width}x${height} is more than ${VIDEO_MATRIX_LIMIT} pixels`);
    const fps = rate(video.avg_frame_rate) || rate(video.r_frame_rate);
    if (fps > VIDEO_FRAME_RATE_LIMIT) throw new BadMedia(`Video frame rate is too high: ${fps.toFixed(0)} is more than ${VIDEO_FRAME_RATE_LIMIT} per second`);
    // Silent video is a gifv, as on Mastodon: clients loop it without controls.
    const type = options.gif || !audio ? 'gifv' : 'video';
    const out = join(dir, 'out.mp4');
    await ffmpeg([
      '-i', source, '-map', '0:v:0', ...(type === 'video' ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k', '-ac', '2'] : ['-an']),
      '-map_metadata', '-1', '-map_chapters', '-1', '-sn', '-dn',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-threads', '2',
      '-vf', `scale='min(${VIDEO_MAX_WIDTH},iw)':'min(${VIDEO_MAX_HEIGHT},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2`,
      '-movflags', '+faststart', '-f', 'mp4', out,
    ]);
    const poster = join(dir, 'poster.png');
    await ffmpeg(['-i', out, '-frames:v', '1', '-f', 'image2', poster]);
    const transcoded = await probe(out);
    const outVideo = transcoded.streams.find((s) => s.codec_type === 'video')!;
    const outDuration = Number(transcoded.format.duration ?? duration);
    const small = await previewOf(await readFile(poster), 'jpeg');
    const w = outVideo.width!;
    const h = outVideo.height!;
    const frameRate = outVideo.avg_frame_rate ?? outVideo.r_frame_rate ?? '0/1';
    return {
      type, file: { bytes: await readFile(out), ext: 'mp4', mime: 'video/mp4' }, preview: small.preview, blurhash: small.blurhash,
      meta: {
        length: length(outDuration), duration: outDuration, fps: Math.round(rate(frameRate)), size: `${w}x${h}`, width: w, height: h, aspect: w / h,
        ...(type === 'video' && audio ? { audio_encode: 'aac', audio_bitrate: '44100 Hz', audio_channels: 'stereo' } : {}),
        original: { width: w, height: h, frame_rate: frameRate, duration: outDuration, bitrate: Number(transcoded.format.bit_rate ?? 0) },
        small: { width: small.width, height: small.height, size: `${small.width}x${small.height}`, aspect: small.width / small.height },
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function processAudio(dir: string, source: string, audio: Probe['streams'][number], duration: number, info: Probe): Promise<Processed> {
  const out = join(dir, 'out.mp3');
  await ffmpeg(['-i', source, '-map', '0:a:0', '-map_metadata', '-1', '-vn', '-c:a', 'libmp3lame', '-q:a', '2', '-f', 'mp3', out]);
  const channels = audio.channels === 1 ? 'mono' : 'stereo';
  return {
    type: 'audio', file: { bytes: await readFile(out), ext: 'mp3', mime: 'audio/mpeg' }, preview: null, blurhash: null,
    meta: {
      length: length(duration), duration, audio_encode: 'mp3', audio_bitrate: `${audio.sample_rate ?? 44100} Hz`, audio_channels: channels,
      original: { duration, bitrate: Number(info.format.bit_rate ?? 0) },
    },
  };
}
