// The console's shell: a hash router (#/topics/orders) over one HTML page. Each page renders into <main>
// with an AbortSignal that is aborted when the user moves on, which stops its polls and live streams.

import {render as cluster} from './cluster.js';
import {renderConnectors, renderStreams} from './extensions.js';
import {render as group, renderList as groups} from './groups.js';
import {render as security, renderSignIn, whoami} from './security.js';
import {render as topic} from './topic.js';
import {render as topics} from './topics.js';
import {problemHtml} from './ui.js';

const routes = [
  [/^\/cluster$/, cluster, 'Cluster', '#/cluster'],
  [/^\/topics$/, topics, 'Topics', '#/topics'],
  [/^\/topics\/([^/]+)$/, topic, 'Topic', '#/topics'],
  [/^\/groups$/, groups, 'Consumer groups', '#/groups'],
  [/^\/groups\/([^/]+)$/, group, 'Consumer group', '#/groups'],
  [/^\/connectors$/, renderConnectors, 'Connectors', '#/connectors'],
  [/^\/streams$/, renderStreams, 'Streams', '#/streams'],
  [/^\/security$/, security, 'Security', '#/security'],
  [/^\/sign-in$/, renderSignIn, 'Sign in', '#/security'],
];

let current = null;
let firstPage = true;

async function route() {
  const path = location.hash.replace(/^#/, '') || '/cluster';
  if (current) current.abort();
  current = new AbortController();
  const main = document.getElementById('main');
  const found = routes.map(([pattern, page, title, nav]) => ({match: pattern.exec(path), page, title, nav})).find(r => r.match);
  for (const link of document.querySelectorAll('nav a')) {
    if (found && link.getAttribute('href') === found.nav) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  if (!found) {
    main.innerHTML = `<h1>Not found</h1>${problemHtml({problem: {title: 'No such console page', detail: path}})}`;
    return;
  }
  const params = found.match.slice(1).map(decodeURIComponent);
  document.title = `${params.length ? params[0] + ' · ' : ''}${found.title} · Runnel console`;
  try {
    await found.page(main, params, current.signal);
  } catch (e) {
    if (e.name !== 'AbortError') main.insertAdjacentHTML('beforeend', problemHtml(e));
  }
  // After a move within the console, focus the new page's heading (where a screen reader should start); on the
  // first load leave the focus at the top of the document, so Tab starts at the navigation.
  const heading = main.querySelector('h1');
  const moved = !firstPage;
  firstPage = false;
  if (moved && heading && document.activeElement === document.body) {
    heading.tabIndex = -1;
    heading.focus({preventScroll: true});
  }
}

window.addEventListener('hashchange', route);
if (!location.hash) history.replaceState(null, '', '#/cluster');
whoami().catch(e => {
  if (e.problem && e.problem.status === 401 && location.hash !== '#/sign-in') location.hash = '#/sign-in';
});
route();
