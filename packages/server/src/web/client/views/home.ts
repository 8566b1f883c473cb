// "/": the home timeline and a composer for people signed in; for visitors, what this is and the
// local timeline.
import { composer } from '../compose.js';
import { heading, setView } from '../frame.js';
import { timeline } from '../timeline.js';
import { h } from '../ui.js';

export function homeView(): void {
  setView('Home', heading('Home'), composer({}), timeline({ url: '/api/v1/timelines/home', stream: { name: 'user' }, empty: 'Your home timeline is empty. Follow people to see their posts here.', holdNew: true, insertOwn: true }));
}

export function welcomeView(): void {
  setView('Firebreak', heading('Welcome to Firebreak'),
    h('p', { class: 'lede' }, 'A microblog that stays up when a data center burns.'),
    h('p', { class: 'cta' }, h('a', { class: 'button primary', href: '/sign_up' }, 'Create account'), ' ', h('a', { class: 'button', href: '/sign_in' }, 'Sign in')),
    h('h2', {}, 'Latest posts'),
    timeline({ url: '/api/v1/timelines/public?local=true', stream: { name: 'public:local' }, empty: 'Nothing posted yet.', holdNew: true }));
}
