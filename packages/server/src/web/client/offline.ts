// The service worker (src/web/worker/) that opens the app and the last timeline while the server
// cannot be reached. Registered once the page has loaded, so it never competes with the first view.
const SERVICE_WORKER = '/web/worker/service-worker.js';

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  const register = () => void navigator.serviceWorker.register(SERVICE_WORKER, { type: 'module', scope: '/' }).catch(() => {});
  if (document.readyState === 'complete') register(); else window.addEventListener('load', register, { once: true });
}

/** Signing out: the saved copies of this person's timeline and account go too. */
export async function forgetSavedReads(): Promise<void> {
  const registration = await navigator.serviceWorker?.getRegistration('/').catch(() => undefined);
  registration?.active?.postMessage({ type: 'signed-out' });
}
