import { api, ApiError, Refused, session } from './api.js';
import { loadDeadLetters } from './dead-letters.js';
import { notice } from './dom.js';
import { loadEventLookup } from './event-lookup.js';
import { loadOverview } from './overview.js';
import { autoRefresh } from './refresh.js';

const SCREENS = {
  overview: (section, ctx) => loadOverview(section, ctx),
  'dead-letters': (section, ctx, params) => loadDeadLetters(section, ctx, params),
  event: (section, ctx, params) => loadEventLookup(section, ctx, params),
};

const $ = (id) => document.getElementById(id);
/** The auto-refresh of the screen shown, stopped when another is. */
let refresher;

/** Runs a screen's work; a refused token signs out, any other failure is shown on the screen. */
async function run(work) {
  try {
    await work();
  } catch (error) {
    if (error instanceof Refused) return signOut('The admin token was refused. Sign in again.');
    const screen = document.querySelector('.screen:not([hidden])');
    const message =
      error instanceof ApiError
        ? `The service answered ${error.status}: ${error.message}`
        : `Request failed: ${error.message}`;
    let banner = screen && screen.querySelector(':scope > .notice.failure');
    if (screen && !banner) {
      banner = document.createElement('p');
      banner.setAttribute('role', 'alert');
      screen.prepend(banner);
    }
    if (banner) notice(banner, 'error failure', message);
  }
}

const ctx = {
  run,
  go: (hash) => (window.location.hash === hash ? route() : (window.location.hash = hash)),
  autoRefresh: (section, load, options) => {
    if (refresher) refresher.stop();
    refresher = autoRefresh(section, ctx, load, options);
    return refresher;
  },
};

function show(id) {
  for (const section of document.querySelectorAll('.screen')) section.hidden = section.id !== id;
  for (const link of document.querySelectorAll('#nav a')) link.classList.toggle('active', link.dataset.screen === id);
}

function route() {
  if (refresher) refresher.stop();
  refresher = undefined;
  if (!session.token()) return show('sign-in');
  const [name, query] = window.location.hash.slice(1).split('?');
  const screen = SCREENS[name] ? name : 'overview';
  show(screen);
  const section = $(screen);
  run(() => SCREENS[screen](section, ctx, new URLSearchParams(query || '')));
}

function signOut(message) {
  session.signOut();
  $('nav').hidden = true;
  for (const section of document.querySelectorAll('.screen:not(#sign-in)')) section.replaceChildren();
  const error = $('sign-in-error');
  error.textContent = message || '';
  error.hidden = !message;
  route();
}

async function signIn(event) {
  event.preventDefault();
  const input = $('token');
  session.signIn(input.value);
  input.value = '';
  try {
    await api('GET', '/admin/stats');
  } catch (error) {
    return signOut(error instanceof Refused ? 'The admin token was refused.' : `Sign-in failed: ${error.message}`);
  }
  $('sign-in-error').hidden = true;
  $('nav').hidden = false;
  route();
}

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', route);
  $('nav').hidden = !session.token();
  route();
});
