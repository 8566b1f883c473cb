// Emoji in colour on every machine: where the system draws none (a Linux box without an emoji font
// shows boxes), emoji in the page's text are shown as Twemoji images served with the app
// (/web/emoji/..., @twemoji/svg), each fetched only when shown, with the emoji itself as alt text
// (copying, screen readers and search see the character). A machine with an emoji font fetches nothing.

/** Whether the system draws 🔥 in colour (a colour glyph leaves pixels that are not grey). */
function systemHasColourEmoji(): boolean {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 20;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return true;
  ctx.font = '16px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillText('\u{1F525}', 0, 0);
  const px = ctx.getImageData(0, 0, 20, 20).data;
  for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && (Math.abs(px[i]! - px[i + 1]!) > 30 || Math.abs(px[i + 1]! - px[i + 2]!) > 30)) return true;
  return false;
}

// Built at run time: TypeScript's target predates the `v` flag, which every browser we serve has.
const EMOJI = new RegExp('\\p{RGI_Emoji}', 'gv');
const HAS_EMOJI = new RegExp('\\p{RGI_Emoji}', 'v');
const SKIP = new Set(['SCRIPT', 'STYLE', 'TEXTAREA', 'TITLE', 'OPTION', 'NOSCRIPT']);

/** Twemoji's file name: code points in hex, with U+FE0F dropped unless the sequence joins (U+200D). */
function fileName(emoji: string): string {
  const chars = emoji.includes('\u200d') ? emoji : emoji.replace(/\uFE0F/g, '');
  return `${[...chars].map((c) => c.codePointAt(0)!.toString(16)).join('-')}.svg`;
}

function replaceIn(root: Node, base: string): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement && !SKIP.has(n.parentElement.tagName) && !n.parentElement.isContentEditable && HAS_EMOJI.test(n.nodeValue ?? '') ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT),
  });
  const found: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) found.push(n as Text);
  for (const text of found) {
    const value = text.nodeValue!;
    const parts = document.createDocumentFragment();
    let last = 0;
    for (const m of value.matchAll(EMOJI)) {
      parts.append(value.slice(last, m.index));
      const img = document.createElement('img');
      img.className = 'emoji';
      img.alt = m[0];
      img.draggable = false;
      img.src = `${base}${fileName(m[0])}`;
      img.addEventListener('error', () => img.replaceWith(m[0]), { once: true }); // an emoji Twemoji lacks: the character
      parts.append(img);
      last = m.index + m[0].length;
    }
    parts.append(value.slice(last));
    text.replaceWith(parts);
  }
}

export function drawEmojiWhereMissing(): void {
  const base = document.querySelector<HTMLMetaElement>('meta[name="emoji-images"]')?.content;
  if (!base || systemHasColourEmoji()) return;
  document.documentElement.classList.add('emoji-images');
  replaceIn(document.body, base);
  new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) if (node.nodeType === Node.ELEMENT_NODE || node.nodeType === Node.TEXT_NODE) replaceIn(node.nodeType === Node.TEXT_NODE ? node.parentNode ?? node : node, base);
  }).observe(document.body, { childList: true, subtree: true });
}
