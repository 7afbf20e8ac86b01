import {call, enc, get} from './api.js';
import {topicMetrics} from './metrics.js';
import {act, bytes, esc, every, isAbort, pairs, problemHtml, rate} from './ui.js';

export async function render(main, params, signal) {
  const started = performance.now();
  main.innerHTML = `<h1>Topics</h1>
    <details id="create-topic"><summary>Create a topic</summary>
      <form id="create-form" class="stack">
        <label>Name <input name="topicName" required autocomplete="off"></label>
        <label>Partitions <input name="partitions" type="number" min="1" placeholder="server default"></label>
        <label>Replication factor <input name="replicationFactor" type="number" min="1" placeholder="server default"></label>
        <label><span>Configs, one <code>name=value</code> a line</span> <textarea name="configs" rows="3" placeholder="retention.ms=604800000"></textarea></label>
        <button type="submit" id="create-button">Create topic</button>
      </form>
      <div id="create-result" aria-live="polite"></div>
    </details>
    <div id="topics-body"><p role="status">Loading GET /topics…</p></div>
    <div id="metrics-note" class="muted" aria-live="polite"></div>`;
  main.querySelector('#create-form').addEventListener('submit', async event => {
    event.preventDefault();
    const form = event.target;
    const body = {name: form.topicName.value.trim()};
    if (form.partitions.value) body.partitions = Number(form.partitions.value);
    if (form.replicationFactor.value) body.replicationFactor = Number(form.replicationFactor.value);
    const out = main.querySelector('#create-result');
    try {
      const configs = pairs(form.configs.value, '=');
      if (Object.keys(configs).length) body.configs = configs;
    } catch (e) {
      out.innerHTML = problemHtml({problem: {title: 'Configs not understood', detail: e.message}});
      return;
    }
    const created = await act(out, () => call('POST', '/topics', {body, signal}), `Topic ${body.name} created.`);
    if (created) location.hash = '#/topics/' + enc(body.name);
  });

  const target = main.querySelector('#topics-body');
  let topics;
  try {
    topics = ((await get('/topics', {signal})).topics || []).slice().sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  } catch (e) {
    if (!isAbort(e)) target.innerHTML = problemHtml(e);
    return;
  }
  target.innerHTML = `<table id="topics-table" class="dense"><caption>${topics.length} topic${topics.length === 1 ? '' : 's'}</caption>
    <thead><tr><th scope="col">Name</th><th scope="col" class="num">Partitions</th><th scope="col" class="num">Replication factor</th>
      <th scope="col" class="num">Size here</th><th scope="col" class="num">Records in/s here</th><th scope="col" class="num">Records out/s here</th></tr></thead>
    <tbody>${topics.map(t => `<tr data-topic="${esc(t.name)}"><th scope="row"><a href="#/topics/${esc(enc(t.name))}">${esc(t.name)}</a></th>
      <td class="num">${esc(t.partitions)}</td><td class="num">${esc(t.replicationFactor)}</td>
      <td class="num">—</td><td class="num">—</td><td class="num">—</td></tr>`).join('')}</tbody></table>`;
  const table = target.querySelector('#topics-table');
  table.dataset.renderMs = String(Math.round(performance.now() - started));
  const rows = new Map(Array.from(table.tBodies[0].rows, r => [r.dataset.topic, r.cells]));
  const note = main.querySelector('#metrics-note');
  const refresh = async () => {
    try {
      const metrics = await topicMetrics(signal);
      for (const [topic, cells] of rows) {
        const m = metrics.get(topic);
        cells[3].textContent = m ? bytes(m.size) : '—';
        cells[4].textContent = m ? rate(m.inRate) : '—';
        cells[5].textContent = m ? rate(m.outRate) : '—';
      }
      note.textContent = 'Size and rates: this instance\'s replicas and traffic, from /actuator/prometheus, refreshed every 5 s '
        + '(rates need two samples).';
    } catch (e) {
      if (!isAbort(e)) note.innerHTML = '<p>Size and rates are not shown: /actuator/prometheus refused.</p>' + problemHtml(e);
    }
  };
  refresh();
  every(5000, signal, refresh);
}
