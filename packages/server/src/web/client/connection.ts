// Whether the server and the live stream can be reached, said plainly: a banner stays up while
// either is down, the server is probed with backoff until it answers, and when it does, listeners
// (the router, the outbox) reload what they showed and send what waited. Nothing here imports the
// API module: the API reports to it.

type Listener = () => void;

const banner = document.getElementById('connection')!;
let serverDown = false;
let streamDown = false;
let savedCopyAt: string | null = null;
let probeTimer: ReturnType<typeof setTimeout> | undefined;
let countdownTimer: ReturnType<typeof setInterval> | undefined;
let nextProbeAt = 0;
let probeAttempt = 0;
const recoveredListeners = new Set<Listener>();
const retryListeners = new Set<Listener>();

export const isServerDown = () => serverDown;

/** Called after the server answered (anything but 502/503/504). */
export function reportReachable(): void {
  if (!serverDown) return;
  serverDown = false;
  savedCopyAt = null;
  probeAttempt = 0;
  clearTimeout(probeTimer);
  render();
  for (const l of [...recoveredListeners]) l();
}

/** Called when a request got no answer, or a 502/503/504. */
export function reportUnreachable(): void {
  if (serverDown) return;
  serverDown = true;
  render();
  scheduleProbe(1000);
}

/** The service worker answered with the copy it kept (saved at `savedAt`): the server is down. */
export function reportSavedCopy(savedAt: string): void {
  savedCopyAt = savedAt;
  if (serverDown) render(); else reportUnreachable();
}

export function reportStream(up: boolean): void {
  if (streamDown === !up) return;
  streamDown = !up;
  render();
}

/** After an outage: the server answers again. */
export function onRecovered(listener: Listener): () => void {
  recoveredListeners.add(listener);
  return () => recoveredListeners.delete(listener);
}

/** The person pressed Retry (the stream reconnects at once, the outbox sends). */
export function onRetryRequested(listener: Listener): void {
  retryListeners.add(listener);
}

function scheduleProbe(delay: number): void {
  clearTimeout(probeTimer);
  nextProbeAt = Date.now() + delay;
  probeTimer = setTimeout(() => void probe(), delay);
  render();
}

async function probe(): Promise<void> {
  try {
    const response = await fetch('/readyz', { cache: 'no-store' });
    if (response.ok) { reportReachable(); return; }
  } catch { /* still down */ }
  probeAttempt++;
  if (serverDown) scheduleProbe(Math.min(15_000, 1000 * 2 ** probeAttempt));
}

export function retryNow(): void {
  for (const l of retryListeners) l();
  if (serverDown) scheduleProbe(0);
}

window.addEventListener('online', () => { if (serverDown) scheduleProbe(0); });
window.addEventListener('offline', () => reportUnreachable());

function render(): void {
  clearInterval(countdownTimer);
  document.body.classList.toggle('server-down', serverDown);
  if (!serverDown && !streamDown) { banner.hidden = true; banner.replaceChildren(); return; }
  const message = document.createElement('p');
  if (serverDown) {
    const saved = savedCopyAt ? ` Showing what was saved at ${new Date(savedCopyAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.` : '';
    message.textContent = `Can't reach Firebreak.${saved} Anything you write is kept on this device and sent when the server is back.`;
  } else {
    message.textContent = 'Live updates are paused: reconnecting to the server.';
  }
  // The countdown changes every second, so it stays out of the live region's announcements.
  const countdown = document.createElement('span');
  countdown.className = 'countdown';
  countdown.setAttribute('aria-hidden', 'true');
  const tick = () => {
    const seconds = Math.ceil((nextProbeAt - Date.now()) / 1000);
    countdown.textContent = serverDown && seconds > 0 ? `Next try in ${seconds} s` : serverDown ? 'Trying…' : '';
  };
  tick();
  if (serverDown) countdownTimer = setInterval(tick, 1000);
  const retry = document.createElement('button');
  retry.type = 'button';
  retry.textContent = 'Retry now';
  retry.addEventListener('click', retryNow);
  banner.replaceChildren(message, countdown, retry);
  banner.hidden = false;
}
