// The drill's push service: an HTTP endpoint on the host's address on the cluster's bridge, where
// the app servers deliver the push subscriber's notifications (the cluster allows that one private
// address: FIREBREAK_PUSH_ALLOWED_PRIVATE). It answers 201 to every delivery and keeps what came;
// the audit decrypts each delivery (RFC 8291) and reads the notification it names.
import { createServer, type Server } from 'node:http';
import { decryptAes128gcm, notificationIdOf, type SubscriberKeys } from '@firebreak/testkit/web-push.js';

export interface Delivery { at: number; body: Buffer }

export class PushReceiver {
  readonly deliveries: Delivery[] = [];
  private server: Server | undefined;
  url = '';

  async start(host: string, path: string): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => { size += c.length; if (size <= 8192) chunks.push(c); });
      req.on('end', () => {
        this.deliveries.push({ at: Date.now(), body: Buffer.concat(chunks) });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve, reject) => { this.server!.once('error', reject); this.server!.listen(0, host, resolve); });
    this.url = `http://${host}:${(this.server.address() as { port: number }).port}${path}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The notification ids received, each with when it first arrived and how often; undecryptable deliveries counted apart. */
  received(keys: SubscriberKeys): { byId: Map<string, { first: number; count: number }>; unreadable: number } {
    const byId = new Map<string, { first: number; count: number }>();
    let unreadable = 0;
    for (const d of this.deliveries) {
      let id: string | undefined;
      try { id = notificationIdOf(decryptAes128gcm(d.body, keys)); } catch { id = undefined; }
      if (!id) { unreadable++; continue; }
      const seen = byId.get(id);
      if (seen) { seen.count++; seen.first = Math.min(seen.first, d.at); } else byId.set(id, { first: d.at, count: 1 });
    }
    return { byId, unreadable };
  }
}
