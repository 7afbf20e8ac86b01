import {enc, get} from './api.js';
import {esc, isAbort, problemHtml} from './ui.js';

const CONCURRENCY = 6;

export async function render(main, params, signal) {
  main.innerHTML = `<h1>Cluster</h1><div id="cluster-body"><p role="status">Loading GET /cluster…</p></div>
    <h2>Under-replicated partitions</h2><div id="urp" aria-live="polite"><p>Waiting for the cluster…</p></div>`;
  const body = main.querySelector('#cluster-body');
  let cluster;
  try {
    cluster = await get('/cluster', {signal});
  } catch (e) {
    if (!isAbort(e)) { body.innerHTML = problemHtml(e); main.querySelector('#urp').innerHTML = ''; }
    return;
  }
  const instances = cluster.instances || [];
  body.innerHTML = `<dl class="facts">
      <dt>Cluster id</dt><dd id="cluster-id">${esc(cluster.clusterId ?? 'not formed yet')}</dd>
      <dt>Controller</dt><dd id="controller">${esc(cluster.controller ?? 'none')}</dd>
      <dt>Instances</dt><dd>${instances.length} (${instances.filter(i => i.status === 'online').length} online)</dd>
      <dt>Voters</dt><dd>${esc((cluster.voters || []).join(', ') || '—')}</dd>
      <dt>Reassignments in progress</dt><dd>${(cluster.reassignments || []).length}</dd>
    </dl>
    <table id="instances"><caption>Instances</caption>
      <thead><tr><th scope="col">Instance</th><th scope="col">Status</th><th scope="col">Role</th><th scope="col">URL</th>
        <th scope="col" class="num">Replicas</th><th scope="col" class="num">Partitions led</th></tr></thead>
      <tbody>${instances.map(i => `<tr><th scope="row">${esc(i.id)}${i.id === cluster.controller ? ' (controller)' : ''}</th>
        <td class="status-${esc(i.status)}">${esc(i.status)}</td><td>${esc(i.role ?? '')}</td><td>${esc(i.url)}</td>
        <td class="num">${esc(i.replicas ?? i.partitions ?? '')}</td><td class="num">${esc(i.leaders ?? '')}</td></tr>`).join('')}</tbody>
    </table>`;
  await underReplicated(main.querySelector('#urp'), signal);
}

/** Reads every topic's partitions (GET /topics/{t}), a few at a time, and lists those with a short ISR. */
async function underReplicated(target, signal) {
  let topics;
  try {
    topics = (await get('/topics', {signal})).topics || [];
  } catch (e) {
    if (!isAbort(e)) target.innerHTML = problemHtml(e);
    return;
  }
  const found = [];
  const failures = [];
  let checked = 0;
  const queue = topics.map(t => t.name);
  const progress = () => { target.innerHTML = `<p role="status">Checked ${checked} of ${topics.length} topics…</p>`; };
  progress();
  const worker = async () => {
    while (queue.length && !signal.aborted) {
      const name = queue.shift();
      try {
        const topic = await get('/topics/' + enc(name), {signal});
        for (const p of topic.partitions || []) if (p.underReplicated) found.push({topic: name, ...p});
      } catch (e) {
        if (isAbort(e)) return;
        failures.push({name, e});
      }
      checked++;
      if (checked % 25 === 0) progress();
    }
  };
  await Promise.all(Array.from({length: CONCURRENCY}, worker));
  if (signal.aborted) return;
  target.innerHTML = `<p id="urp-count">${found.length} under-replicated partition${found.length === 1 ? '' : 's'} in ${topics.length} topics.</p>
    ${found.length ? `<table><thead><tr><th scope="col">Topic</th><th scope="col">Partition</th><th scope="col">Leader</th>
      <th scope="col">Replicas</th><th scope="col">ISR</th></tr></thead><tbody>${found.map(p => `<tr>
      <td><a href="#/topics/${esc(enc(p.topic))}">${esc(p.topic)}</a></td><td>${p.partition}</td><td>${esc(p.leader ?? 'none')}</td>
      <td>${esc((p.replicas || []).join(', '))}</td><td>${esc((p.isr || []).join(', '))}</td></tr>`).join('')}</tbody></table>` : ''}
    ${failures.map(f => `<p>Topic ${esc(f.name)}:</p>${problemHtml(f.e)}`).join('')}`;
}
