// What processing makes of an upload, passed from the processing process back to the app server.
export type AttachmentType = 'image' | 'gifv' | 'video' | 'audio';

export interface OutputFile { bytes: Buffer; ext: string; mime: string }

export interface Processed {
  type: AttachmentType;
  file: OutputFile;
  /** The preview (`small`), a still image; none for audio without a thumbnail. */
  preview: OutputFile | null;
  meta: Record<string, unknown>;
  blurhash: string | null;
}

/** Input the processing refuses (not merely failed on): the job is not retried and the client gets a 422. */
export class BadMedia extends Error {}

export type WorkerRequest =
  | { op: 'attachment'; input: Buffer; maxDurationSeconds: number }
  | { op: 'thumbnail'; input: Buffer }
  | { op: 'profile'; input: Buffer; width: number; height: number };

export type WorkerReply =
  | { id: number; ok: true; result: Processed | OutputFile | { preview: OutputFile; blurhash: string } }
  | { id: number; ok: false; bad: boolean; error: string };
