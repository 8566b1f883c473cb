// What the HTTP layer gets from the service: its parts, built once by app.ts and handed to every
// route module.
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { StatusConfig } from './config.js';
import type { StatusEngine } from './engine.js';
import type { StatusStore } from './store.js';

export interface StatusContext {
  config: StatusConfig;
  store: StatusStore;
  engine: StatusEngine;
  clock: Clock;
  log: Logger;
  /** Salt of the reporter and address hashes (reports.ts). */
  salt: string;
  startedAt: Date;
}
