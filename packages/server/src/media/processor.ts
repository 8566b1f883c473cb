// The app server's side of processing: one processing process (worker.ts) started under `nice`,
// given one job at a time (FIREBREAK_MEDIA_WORKERS of them at most, one by default), each with a time
// limit. A process that dies or overruns is killed and the job fails (it is retried by the queue);
// the next job gets a fresh process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { BadMedia, type OutputFile, type Processed, type WorkerReply, type WorkerRequest } from './processed.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Not the input's fault: the process died or overran. Worth retrying (a few times). */
export class ProcessingFailed extends Error {}

const toBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const file = (f: OutputFile): OutputFile => ({ ...f, bytes: toBuffer(f.bytes) });

class Worker {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();

  constructor(private readonly nice: number, private readonly logger: Logger) {}

  private start(): ChildProcess {
    const child = spawn('nice', ['-n', String(this.nice), process.execPath, WORKER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    child.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      for (const waiter of this.pending.values()) waiter.reject(new ProcessingFailed(`the processing process ended (${signal ?? code})`));
      this.pending.clear();
    });
    child.on('error', (err) => this.logger.error({ err }, 'media processing process failed to start'));
    return child;
  }

  async run(request: WorkerRequest, timeoutMs: number): Promise<WorkerReply> {
    const child = (this.child ??= this.start());
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.logger.warn({ op: request.op, timeoutMs }, 'media processing overran; killing its process');
        child.kill('SIGKILL');
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      child.send({ id, request });
    });
  }

  close(): void { this.child?.kill('SIGKILL'); }
}

export class MediaProcessor {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly waiting: Array<(w: Worker) => void> = [];

  constructor(options: { workers: number; nice: number; logger: Logger }) {
    this.workers = Array.from({ length: Math.max(1, options.workers) }, () => new Worker(options.nice, options.logger));
    this.idle = [...this.workers];
  }

  private async take(): Promise<Worker> {
    return this.idle.pop() ?? new Promise<Worker>((resolve) => this.waiting.push(resolve));
  }

  private give(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(worker); else this.idle.push(worker);
  }

  private async run<T>(request: WorkerRequest, timeoutMs: number): Promise<T> {
    const worker = await this.take();
    try {
      const reply = await worker.run(request, timeoutMs);
      if (!reply.ok) throw reply.bad ? new BadMedia(reply.error) : new ProcessingFailed(reply.error);
      return reply.result as T;
    } finally {
      this.give(worker);
    }
  }

  async attachment(input: Buffer, maxDurationSeconds: number): Promise<Processed> {
    const r = await this.run<Processed>({ op: 'attachment', input, maxDurationSeconds }, 15 * 60_000);
    return { ...r, file: file(r.file), preview: r.preview && file(r.preview) };
  }

  async thumbnail(input: Buffer): Promise<{ preview: OutputFile; blurhash: string }> {
    const r = await this.run<{ preview: OutputFile; blurhash: string }>({ op: 'thumbnail', input }, 60_000);
    return { preview: file(r.preview), blurhash: r.blurhash };
  }

  async profileImage(input: Buffer, size: { width: number; height: number }): Promise<OutputFile> {
    return file(await this.run<OutputFile>({ op: 'profile', input, ...size }, 60_000));
  }

  close(): void { for (const w of this.workers) w.close(); }
}
