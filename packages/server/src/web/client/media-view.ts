// Attachments in a post: a grid of up to four, each on its blurhash until it loads, cropped around
// its focal point; sensitive media stay behind a click; a picture opens in a lightbox (arrows to move,
// Escape to close). Videos play in place; gifv loops silently, as on Mastodon.
import { blurhashCanvas } from './blurhash.js';
import type { MediaAttachment, Status } from './types.js';
import { h } from './ui.js';

/** Our own files, by path, so the page's CSP ('self') allows them whatever the instance's public URL. */
const local = (url: string) => { try { return new URL(url).pathname; } catch { return url; } };

/** Mastodon's focus (x, y from -1 to 1, y up) as a CSS object-position. */
function objectPosition(m: MediaAttachment): string {
  const f = m.meta?.focus ?? { x: 0, y: 0 };
  return `${((f.x + 1) / 2) * 100}% ${((1 - f.y) / 2) * 100}%`;
}

function mediaElement(m: MediaAttachment): HTMLElement {
  if ((m.type === 'video' || m.type === 'gifv') && m.url) {
    const gif = m.type === 'gifv';
    const video = h('video', {
      src: local(m.url), poster: m.preview_url ? local(m.preview_url) : null, playsinline: true, preload: 'none',
      muted: gif, loop: gif, autoplay: gif, controls: !gif, 'aria-label': m.description || (gif ? 'Animated picture' : 'Video'),
    });
    video.muted = gif;
    video.style.objectPosition = objectPosition(m);
    return video;
  }
  if (m.type === 'audio' && m.url) return h('audio', { src: local(m.url), controls: true, preload: 'none', 'aria-label': m.description || 'Audio' });
  const img = h('img', { src: m.preview_url ? local(m.preview_url) : '', alt: m.description ?? '', loading: 'lazy', decoding: 'async' });
  img.style.objectPosition = objectPosition(m);
  img.addEventListener('load', () => img.classList.add('loaded'));
  return img;
}

export function mediaGallery(s: Status): HTMLElement | null {
  const media = (s.media_attachments ?? []).filter((m) => m.type !== 'unknown');
  if (media.length === 0) return null;
  const gallery = h('div', { class: `media-gallery count-${Math.min(media.length, 4)}${s.sensitive ? ' sensitive' : ''}` });
  media.slice(0, 4).forEach((m, i) => {
    const item = h('div', { class: `media-item ${m.type}` }, blurhashCanvas(m.blurhash), mediaElement(m));
    if (m.type === 'image') {
      const open = h('button', { type: 'button', class: 'media-open', 'aria-label': m.description ? `View picture: ${m.description}` : 'View picture' });
      open.addEventListener('click', (e) => { e.stopPropagation(); lightbox(media, i); });
      item.appendChild(open);
    }
    if (m.description) item.appendChild(h('span', { class: 'alt-badge', title: m.description, 'aria-hidden': 'true' }, 'ALT'));
    gallery.appendChild(item);
  });
  if (s.sensitive) {
    const reveal = h('button', { type: 'button', class: 'sensitive-cover' }, h('strong', {}, 'Sensitive content'), h('span', {}, 'Select to show'));
    reveal.addEventListener('click', (e) => {
      e.stopPropagation();
      gallery.classList.remove('sensitive');
      reveal.remove();
    });
    gallery.appendChild(reveal);
  }
  gallery.addEventListener('click', (e) => e.stopPropagation());
  return gallery;
}

/** The pictures of a post, one at a time, full size. */
export function lightbox(media: MediaAttachment[], start: number): void {
  const images = media.filter((m) => m.type === 'image' && m.url);
  let index = Math.max(0, images.indexOf(media[start]!));
  const img = h('img', { alt: '' });
  const caption = h('p', { class: 'lightbox-caption' });
  const counter = h('span', { class: 'lightbox-count' });
  const show = () => {
    const m = images[index]!;
    img.src = local(m.url!);
    img.alt = m.description ?? '';
    caption.textContent = m.description ?? '';
    counter.textContent = images.length > 1 ? `${index + 1} of ${images.length}` : '';
  };
  const move = (by: number) => { index = (index + by + images.length) % images.length; show(); };
  const dialog = h('dialog', { class: 'lightbox', 'aria-label': 'Picture' });
  const prev = h('button', { type: 'button', class: 'ghost lightbox-prev', 'aria-label': 'Previous picture', hidden: images.length < 2 }, '‹');
  const next = h('button', { type: 'button', class: 'ghost lightbox-next', 'aria-label': 'Next picture', hidden: images.length < 2 }, '›');
  prev.addEventListener('click', () => move(-1));
  next.addEventListener('click', () => move(1));
  const close = h('button', { type: 'button', class: 'ghost close', 'aria-label': 'Close' }, '×');
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') move(-1);
    else if (e.key === 'ArrowRight') move(1);
  });
  // A click on the backdrop (outside the picture) closes it.
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
  dialog.addEventListener('close', () => dialog.remove());
  dialog.append(close, prev, h('figure', {}, img, caption), next, counter);
  show();
  document.body.appendChild(dialog);
  dialog.showModal();
}
