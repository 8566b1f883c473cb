// Back and Forward return to the same place: when a page is left, its scroll position and the post
// that had focus are saved in its history entry; when it is shown again, the view calls
// restorePlace() as its content arrives (a timeline after each page, until the place is reached).

interface Place { scrollY: number; focusId: string | null }

let pending: Place | null = null;
let pagesTried = 0;

history.scrollRestoration = 'manual';

export function rememberPlace(): void {
  const focusId = (document.activeElement as Element | null)?.closest<HTMLElement>('article[data-id]')?.dataset.id ?? null;
  const place: Place = { scrollY: window.scrollY, focusId };
  history.replaceState({ ...(history.state as object | null), place }, '');
}

/** Called by the router before it renders: the place saved in this history entry, if any. */
export function expectPlace(place: Place | null | undefined): void {
  pending = place ?? null;
  pagesTried = 0;
  if (!pending) window.scrollTo(0, 0);
}

/** Goes back to the expected place once the page is tall enough (or after a few pages, wherever it got). */
export function restorePlace(): void {
  if (!pending) return;
  const { scrollY, focusId } = pending;
  const reachable = document.documentElement.scrollHeight - window.innerHeight >= scrollY;
  window.scrollTo(0, scrollY);
  const article = focusId ? document.querySelector<HTMLElement>(`article[data-id="${CSS.escape(focusId)}"]`) : null;
  if (article) article.focus({ preventScroll: true });
  if (reachable || article || ++pagesTried >= 5) pending = null;
}

// Also kept as the person scrolls and moves focus, so the browser's own Back button finds it.
let saveTimer: ReturnType<typeof setTimeout> | undefined;
const saveSoon = () => { clearTimeout(saveTimer); saveTimer = setTimeout(() => { if (!pending) rememberPlace(); }, 300); };
window.addEventListener('scroll', saveSoon, { passive: true });
document.addEventListener('focusin', saveSoon);

// Someone scrolling on their own has chosen their place.
for (const type of ['wheel', 'touchmove', 'keydown']) window.addEventListener(type, () => { pending = null; }, { passive: true });
