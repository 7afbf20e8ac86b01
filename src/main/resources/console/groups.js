import {call, enc, get} from './api.js';
import {act, esc, every, isAbort, problemHtml, sparkline} from './ui.js';

const POLL_MS = 2000;
const SAMPLES = 60;
/** Lag samples per group and partition, kept while the console is open: group → key → [lag]. */
const history = new Map();

export async function renderList(main, params, signal) {
  main.innerHTML = `<h1>Consumer groups</h1><div id="groups-body"><p role="status">Loading GET /groups…</p></div>`;
  const target = main.querySelector('#groups-body');
  try {
    const groups = ((await get('/groups', {signal})).groups || []).slice().sort((a, b) => a.group < b.group ? -1 : 1);
    target.innerHTML = groups.length ? `<table id="groups-table"><caption>${groups.length} group${groups.length === 1 ? '' : 's'}</caption>
      <thead><tr><th scope="col">Group</th><th scope="col">State</th><th scope="col" class="num">Members</th></tr></thead>
      <tbody>${groups.map(g => `<tr><th scope="row"><a href="#/groups/${esc(enc(g.group))}">${esc(g.group)}</a></th>
        <td>${esc(g.state)}</td><td class="num">${esc(g.members)}</td></tr>`).join('')}</tbody></table>`
      : '<p>No consumer groups yet. A group appears when its first member joins (POST /groups/{group}/members).</p>';
  } catch (e) {
    if (!isAbort(e)) target.innerHTML = problemHtml(e);
  }
}

export async function render(main, params, signal) {
  const name = params[0];
  const path = '/groups/' + enc(name);
  main.innerHTML = `<h1>Consumer group <span id="group-name">${esc(name)}</span></h1>
    <div id="group-body" aria-live="off"><p role="status">Loading GET ${esc(path)}…</p></div>
    <p class="muted">Refreshed every ${POLL_MS / 1000} s; the charts show the lag of the last ${SAMPLES} refreshes.</p>
    <section aria-labelledby="h-reset"><h2 id="h-reset">Reset offsets</h2><div id="reset-area"></div><div id="reset-result" aria-live="polite"></div></section>`;
  let lastState;
  const update = async () => {
    let group;
    try {
      group = await get(path, {signal});
    } catch (e) {
      if (!isAbort(e)) main.querySelector('#group-body').innerHTML = problemHtml(e);
      return;
    }
    const samples = record(name, group);
    const body = main.querySelector('#group-body');
    // Re-rendering would take the focus from a keyboard user inside the tables; the next poll catches up.
    if (!body.contains(document.activeElement)) body.innerHTML = groupHtml(group, samples);
    if (group.state !== lastState) {
      lastState = group.state;
      resetArea(main, group, path, signal);
    }
  };
  await update();
  every(POLL_MS, signal, update);
}

function record(name, group) {
  const series = history.get(name) || history.set(name, new Map()).get(name);
  const total = (group.offsets || []).reduce((sum, o) => sum + (o.lag ?? 0), 0);
  const push = (key, value) => {
    const values = series.get(key) || series.set(key, []).get(key);
    values.push(value);
    if (values.length > SAMPLES) values.shift();
    return values;
  };
  push('total', total);
  for (const o of group.offsets || []) push(o.topic + '/' + o.partition, o.lag ?? 0);
  return {series, total};
}

function groupHtml(group, {series, total}) {
  const members = group.members || [];
  const offsets = group.offsets || [];
  return `<dl class="facts"><dt>State</dt><dd id="group-state">${esc(group.state)}</dd>
      <dt>Generation</dt><dd>${esc(group.generation)}</dd><dt>Members</dt><dd>${members.length}</dd>
      <dt>Total lag</dt><dd><span id="group-lag">${total}</span> ${sparkline(series.get('total'), 'total lag over time')}</dd></dl>
    <table id="members-table"><caption>Members</caption><thead><tr><th scope="col">Member</th><th scope="col">Assignment</th>
      <th scope="col">Last seen</th></tr></thead><tbody>${members.map(m => `<tr><th scope="row"><code>${esc(m.memberId)}</code></th>
      <td>${esc((m.assignment || []).map(a => a.topic + '-' + a.partition).join(', ') || 'nothing')}</td><td>${esc(m.lastSeen)}</td></tr>`).join('')
      || '<tr><td colspan="3">No members.</td></tr>'}</tbody></table>
    <table id="lag-table"><caption>Committed offsets and lag</caption><thead><tr><th scope="col">Topic</th><th scope="col" class="num">Partition</th>
      <th scope="col" class="num">Committed offset</th><th scope="col" class="num">High watermark</th><th scope="col" class="num">Lag</th>
      <th scope="col">Lag over time</th></tr></thead><tbody>${offsets.map(o => `<tr>
      <td><a href="#/topics/${esc(enc(o.topic))}">${esc(o.topic)}</a></td><td class="num">${o.partition}</td>
      <td class="num">${esc(o.committedOffset)}</td><td class="num">${esc(o.highWatermark ?? 'unknown')}</td>
      <td class="num lag" data-partition="${esc(o.topic)}/${o.partition}">${esc(o.lag ?? 'unknown')}</td>
      <td>${sparkline(series.get(o.topic + '/' + o.partition) || [], `lag of ${o.topic}-${o.partition} over time`)}</td></tr>`).join('')
      || '<tr><td colspan="6">No committed offsets.</td></tr>'}</tbody></table>`;
}

function resetArea(main, group, path, signal) {
  const area = main.querySelector('#reset-area');
  if (group.state !== 'Empty') {
    area.innerHTML = `<p>Offsets can be reset, and the group deleted, only while it has no members (state Empty); it is ${esc(group.state)}.</p>`;
    return;
  }
  const topics = [...new Set((group.offsets || []).map(o => o.topic))];
  area.innerHTML = `<form id="reset-form" class="row">
      <label>Topic <input name="topic" list="reset-topics" required value="${esc(topics[0] || '')}" autocomplete="off"></label>
      <datalist id="reset-topics">${topics.map(t => `<option value="${esc(t)}">`).join('')}</datalist>
      <label>To <select name="to">${["earliest", "latest", "offset", "timestamp"].map(t => `<option value="${t}">${t}</option>`).join("")}</select></label>
      <label>Offset or time <input name="at" placeholder="for offset or timestamp" autocomplete="off"></label>
      <button type="submit" id="reset-button">Reset offsets</button>
    </form>
    <p><button type="button" id="delete-group">Delete group</button></p>`;
  const out = main.querySelector('#reset-result');
  area.querySelector('#reset-form').addEventListener('submit', event => {
    event.preventDefault();
    const f = event.target;
    const body = {topic: f.topic.value.trim(), to: f.to.value};
    if (f.to.value === 'offset') body.offset = Number(f.at.value);
    if (f.to.value === 'timestamp') body.timestamp = f.at.value.trim();
    act(out, () => call('POST', path + '/offsets/reset', {body, signal}), 'Offsets reset.');
  });
  area.querySelector('#delete-group').addEventListener('click', async () => {
    if (!confirm(`Delete consumer group ${group.group} and its committed offsets?`)) return;
    const done = await act(out, () => call('DELETE', path, {signal}), 'Group deleted.');
    if (done) location.hash = '#/groups';
  });
}
