// The page's service worker (registered by web-push.ts with scope /, which the server allows with
// Service-Worker-Allowed). For now it only shows Web Push notifications (push-worker.ts).
import { installPushHandlers, type PushWorkerScope } from './push-worker.js';

installPushHandlers(self as unknown as PushWorkerScope);
