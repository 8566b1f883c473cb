import { heading, setView } from '../frame.js';
import { timeline } from '../timeline.js';

export function bookmarksView(): void {
  setView('Bookmarks', heading('Bookmarks'), timeline({ url: '/api/v1/bookmarks', empty: 'You have no bookmarks yet.' }));
}
