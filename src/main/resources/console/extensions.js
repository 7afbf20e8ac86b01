// Connectors and streams: pages for features a server may not have yet. A 404 of the list call means
// "not on this server" and is said so; any other refusal is shown as the API's problem.

import {call, enc, get} from './api.js';
import {act, esc, isAbort, problemHtml, report} from './ui.js';

function notAvailable(e) {
  return e.problem && e.problem.status === 404;
}

function names(list, key) {
  const items = Array.isArray(list) ? list : (list && list[key]) || [];
  return items.map(item => typeof item === 'string' ? item : item.name);
}

async function page(main, signal, {title, path, key, describe}) {
  main.innerHTML = `<h1>${title}</h1><div id="ext-body"><p role="status">Loading GET ${path}…</p></div><div id="ext-result" aria-live="polite"></div>`;
  const body = main.querySelector('#ext-body');
  let list;
  try {
    list = names(await get(path, {signal}), key);
  } catch (e) {
    if (isAbort(e)) return;
    body.innerHTML = notAvailable(e)
      ? `<p id="not-available">${title} are not available on this server (GET ${path} answered 404).</p>`
      : problemHtml(e);
    return;
  }
  if (!list.length) { body.innerHTML = `<p>No ${title.toLowerCase()} yet.</p>`; return; }
  const rows = await Promise.all(list.map(name => describe(name, signal).then(d => ({name, d}), e => ({name, e}))));
  if (signal.aborted) return;
  body.innerHTML = rows.map(({name, d, e}) => `<section class="card" aria-label="${esc(name)}"><h2>${esc(name)}</h2>
    ${e ? problemHtml(e) : d.html}
    ${e ? '' : `<p class="row"><button type="button" data-act="pause" data-name="${esc(name)}">Pause</button>
      <button type="button" data-act="resume" data-name="${esc(name)}">Resume</button></p>`}</section>`).join('');
  const out = main.querySelector('#ext-result');
  body.addEventListener('click', async event => {
    const button = event.target.closest('button[data-act]');
    if (!button) return;
    const message = `${button.dataset.name}: ${button.dataset.act} requested (the API answered 202).`;
    const done = await act(out, () => call('PUT', `${path}/${enc(button.dataset.name)}/${button.dataset.act}`, {signal}), message);
    if (done && !signal.aborted) {
      await page(main, signal, {title, path, key, describe});
      report(main.querySelector('#ext-result'), null, message);
    }
  });
}

async function describeConnector(name, signal) {
  const status = await get(`/connectors/${enc(name)}/status`, {signal});
  const tasks = status.tasks || [];
  return {html: `<dl class="facts"><dt>State</dt><dd>${esc(status.connector && status.connector.state)}</dd>
      <dt>Worker</dt><dd>${esc(status.connector && status.connector.worker_id)}</dd>${status.type ? `<dt>Type</dt><dd>${esc(status.type)}</dd>` : ''}</dl>
    <table><caption>Tasks</caption><thead><tr><th scope="col">Task</th><th scope="col">State</th><th scope="col">Worker</th><th scope="col">Trace</th></tr></thead>
    <tbody>${tasks.map(t => `<tr><td>${esc(t.id)}</td><td>${esc(t.state)}</td><td>${esc(t.worker_id)}</td>
      <td>${t.trace ? `<pre>${esc(t.trace)}</pre>` : ''}</td></tr>`).join('') || '<tr><td colspan="4">No tasks.</td></tr>'}</tbody></table>
    ${lagTable(status.partitions || status.progress)}`};
}

async function describeStream(name, signal) {
  const s = await get(`/streams/${enc(name)}`, {signal});
  return {html: `<dl class="facts"><dt>State</dt><dd>${esc(s.state)}</dd><dt>From</dt><dd>${esc(s.from)}</dd><dt>To</dt><dd>${esc(s.to)}</dd>
      ${s.filter ? `<dt>Filter</dt><dd><code>${esc(s.filter)}</code></dd>` : ''}${s.error ? `<dt>Error</dt><dd>${esc(typeof s.error === 'object' ? JSON.stringify(s.error) : s.error)}</dd>` : ''}</dl>
    ${lagTable(s.partitions)}`};
}

function lagTable(partitions) {
  if (!Array.isArray(partitions) || !partitions.length) return '';
  return `<table><caption>Progress</caption><thead><tr><th scope="col">Partition</th><th scope="col" class="num">Position</th>
    <th scope="col" class="num">Lag</th></tr></thead><tbody>${partitions.map(p => `<tr><td>${esc(p.topic ? p.topic + '-' : '')}${esc(p.partition)}</td>
    <td class="num">${esc(p.position ?? p.offset ?? '')}</td><td class="num">${esc(p.lag ?? '')}</td></tr>`).join('')}</tbody></table>`;
}

export function renderConnectors(main, params, signal) {
  return page(main, signal, {title: 'Connectors', path: '/connectors', key: 'connectors', describe: describeConnector});
}

export function renderStreams(main, params, signal) {
  return page(main, signal, {title: 'Streams', path: '/streams', key: 'streams', describe: describeStream});
}
