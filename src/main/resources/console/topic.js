import {ApiError, call, enc, get, stream} from './api.js';
import {scan} from './json.js';
import {HEAD, recordOf, recordsOf, rowHtml} from './records.js';
import {act, esc, isAbort, pairs, problemHtml, report} from './ui.js';

const TAIL_ROWS = 500;

export async function render(main, params, signal) {
  const name = params[0];
  const path = '/topics/' + enc(name);
  main.innerHTML = `<h1>Topic <span id="topic-name">${esc(name)}</span></h1><div id="topic-body"><p role="status">Loading GET ${esc(path)}…</p></div>`;
  let topic;
  try {
    topic = await get(path, {signal});
  } catch (e) {
    if (!isAbort(e)) main.querySelector('#topic-body').innerHTML = problemHtml(e);
    return;
  }
  const count = topic.partitions.length;
  const options = Array.from({length: count}, (_, p) => `<option value="${p}">${p}</option>`).join('');
  main.querySelector('#topic-body').innerHTML = `
    <p>${count} partition${count === 1 ? '' : 's'}, replication factor ${esc(topic.replicationFactor)}.
      <button type="button" id="refresh">Refresh</button></p>
    <section aria-labelledby="h-partitions"><h2 id="h-partitions">Partitions</h2><div id="partitions">${partitionsHtml(topic)}</div></section>

    <section aria-labelledby="h-produce"><h2 id="h-produce">Produce a record</h2>
      <form id="produce-form" class="stack">
        <label>Key <input name="key" id="produce-key" autocomplete="off" placeholder="none (null)"></label>
        <label class="inline"><input type="checkbox" name="keyJson"> key is JSON (else sent as a string)</label>
        <label>Value (JSON) <textarea name="value" id="produce-value" rows="4" required>{"hello":"world"}</textarea></label>
        <label class="inline"><input type="checkbox" name="valueString"> send the value as a string instead</label>
        <label><span>Headers, one <code>name: value</code> a line</span> <textarea name="headers" id="produce-headers" rows="2"></textarea></label>
        <label>Partition <select name="partition" id="produce-partition"><option value="">chosen by key</option>${options}</select></label>
        <button type="submit" id="produce-button">Produce</button>
      </form>
      <div id="produce-result" aria-live="polite"></div>
    </section>

    <section aria-labelledby="h-browse"><h2 id="h-browse">Browse messages</h2>
      <form id="browse-form" class="row">
        <label>Partition <select name="partition" id="browse-partition">${options}</select></label>
        <label>From <select name="mode" id="browse-mode"><option value="offset">offset</option><option value="timestamp">time</option></select></label>
        <label>Offset or time <input name="from" id="browse-from" value="earliest" size="28"
          aria-describedby="browse-help"></label>
        <label>Limit <input name="limit" type="number" min="1" max="1000" value="50" size="5"></label>
        <button type="submit" id="browse-button">Read</button>
      </form>
      <p id="browse-help" class="muted">Offset: a number, earliest or latest. Time: ISO-8601 (2026-11-28T03:00:00.000Z) or epoch milliseconds.</p>
      <div id="browse-result" aria-live="polite"></div>
    </section>

    <section aria-labelledby="h-tail"><h2 id="h-tail">Live tail</h2>
      <form id="tail-form" class="row">
        <label>Partition <select name="partition" id="tail-partition">${options}</select></label>
        <label>Start at <select name="from"><option value="latest">new records only</option><option value="earliest">earliest</option></select></label>
        <button type="submit" id="tail-start">Start tail</button>
        <button type="button" id="tail-stop" disabled>Stop tail</button>
      </form>
      <p id="tail-status" role="status">Stopped.</p>
      <table id="tail-table" class="records">${HEAD}<tbody></tbody></table>
    </section>

    <section aria-labelledby="h-manage"><h2 id="h-manage">Manage</h2>
      <form id="grow-form" class="row">
        <label>Partitions <input name="partitions" id="grow-partitions" type="number" min="${count + 1}" value="${count + 1}" size="5"></label>
        <button type="submit" id="grow-button">Grow partitions</button>
      </form>
      <div id="grow-result" aria-live="polite"></div>
      <form id="configs-form">
        <table id="configs"><caption>Configs (an emptied value resets to the default)</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Value</th></tr></thead>
          <tbody>${configRows(topic.configs)}</tbody></table>
        <p class="row"><label>New config <input name="newName" placeholder="retention.ms" autocomplete="off"></label>
          <label>Value <input name="newValue" autocomplete="off"></label></p>
        <button type="submit" id="configs-button">Save configs</button>
      </form>
      <div id="configs-result" aria-live="polite"></div>
      <p><button type="button" id="delete-button" class="danger">Delete topic…</button></p>
      <dialog id="delete-dialog" aria-labelledby="delete-title">
        <form method="dialog" id="delete-form" class="stack">
          <h2 id="delete-title">Delete topic ${esc(name)}?</h2>
          <p>Its records are removed from every instance. This cannot be undone.</p>
          <label>Type the topic's name to confirm <input name="confirm" id="delete-confirm" autocomplete="off"></label>
          <p class="row"><button type="submit" id="delete-confirm-button" value="delete">Delete</button>
            <button type="submit" value="cancel" formnovalidate>Cancel</button></p>
        </form>
        <div id="delete-result" aria-live="polite"></div>
      </dialog>
    </section>`;
  const $ = selector => main.querySelector(selector);

  const refresh = async () => {
    try {
      const fresh = await get(path, {signal});
      $('#partitions').innerHTML = partitionsHtml(fresh);
    } catch (e) {
      if (!isAbort(e)) $('#partitions').innerHTML = problemHtml(e);
    }
  };
  $('#refresh').addEventListener('click', refresh);
  $('#produce-form').addEventListener('submit', event => { event.preventDefault(); produce(event.target, path, $('#produce-result'), signal); });
  $('#browse-form').addEventListener('submit', event => { event.preventDefault(); browse(event.target, path, $('#browse-result'), signal); });
  const stopTail = tail($, path, signal);
  $('#grow-form').addEventListener('submit', async event => {
    event.preventDefault();
    const partitions = Number(event.target.partitions.value);
    const done = await act($('#grow-result'), () => call('PATCH', path, {body: {partitions}, signal}), `Now ${partitions} partitions.`);
    if (done) {
      stopTail();
      render(main, params, signal);
    }
  });
  $('#configs-form').addEventListener('submit', async event => {
    event.preventDefault();
    const changes = {};
    for (const input of event.target.querySelectorAll('input[data-config]')) {
      if (input.value !== input.defaultValue) changes[input.dataset.config] = input.value === '' ? null : input.value;
    }
    if (event.target.newName.value.trim()) changes[event.target.newName.value.trim()] = event.target.newValue.value;
    if (!Object.keys(changes).length) { report($('#configs-result'), null, 'Nothing changed.'); return; }
    const answer = await act($('#configs-result'), () => call('PATCH', path, {body: {configs: changes}, signal}), 'Configs saved.');
    if (answer && answer.json) {
      $('#configs tbody').innerHTML = configRows(answer.json.configs);
      event.target.newName.value = '';
      event.target.newValue.value = '';
    }
  });
  const dialog = $('#delete-dialog');
  $('#delete-button').addEventListener('click', () => { $('#delete-result').innerHTML = ''; $('#delete-confirm').value = ''; dialog.showModal(); });
  $('#delete-form').addEventListener('submit', async event => {
    if (event.submitter && event.submitter.value !== 'delete') return;
    event.preventDefault();
    if ($('#delete-confirm').value !== name) {
      report($('#delete-result'), {problem: {title: 'Not confirmed', detail: `type ${name} exactly to delete it`}});
      return;
    }
    const done = await act($('#delete-result'), () => call('DELETE', path, {signal}), 'Deleted.');
    if (done) { dialog.close(); location.hash = '#/topics'; }
  });
}

function partitionsHtml(topic) {
  return `<table id="partitions-table"><thead><tr><th scope="col" class="num">Partition</th><th scope="col">Leader</th>
    <th scope="col">Replicas</th><th scope="col">In-sync replicas</th><th scope="col">Under-replicated</th>
    <th scope="col" class="num">Log start offset</th><th scope="col" class="num">High watermark</th></tr></thead>
    <tbody>${topic.partitions.map(p => `<tr><th scope="row" class="num">${p.partition}</th><td>${esc(p.leader ?? 'none')}</td>
      <td>${esc((p.replicas || []).join(', '))}</td><td>${esc((p.isr || []).join(', '))}</td><td>${p.underReplicated ? 'yes' : 'no'}</td>
      <td class="num">${esc(p.logStartOffset ?? 'leader unreachable')}</td><td class="num hw">${esc(p.highWatermark ?? 'leader unreachable')}</td></tr>`).join('')}
    </tbody></table>`;
}

function configRows(configs) {
  return Object.entries(configs || {}).sort().map(([k, v]) => `<tr><th scope="row"><label for="config-${esc(k)}">${esc(k)}</label></th>
    <td><input id="config-${esc(k)}" data-config="${esc(k)}" value="${esc(v)}" autocomplete="off"></td></tr>`).join('');
}

/** Builds the produce body as text, so the value's JSON reaches the server exactly as typed. */
async function produce(form, path, out, signal) {
  let keyText = 'null';
  let valueText;
  let headers;
  try {
    if (form.key.value !== '') {
      keyText = form.keyJson.checked ? checked(form.key.value, 'The key') : JSON.stringify(form.key.value);
    }
    valueText = form.valueString.checked ? JSON.stringify(form.value.value) : checked(form.value.value, 'The value');
    headers = pairs(form.headers.value, ':');
  } catch (e) {
    report(out, {problem: {title: 'Not sent', detail: e.message}});
    return;
  }
  const partition = form.partition.value === '' ? '' : `,"partition":${Number(form.partition.value)}`;
  const body = `{"records":[{"key":${keyText},"value":${valueText},"headers":${JSON.stringify(headers)}${partition}}]}`;
  await act(out, () => call('POST', path + '/records', {body, signal}), answer => {
    const r = answer.json.results[0];
    return `Produced to partition ${r.partition} at offset ${r.offset}.`;
  });
}

function checked(text, what) {
  try {
    scan(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON (${e.message}).`);
  }
  return text.trim();
}

async function browse(form, path, out, signal, from) {
  const partition = form.partition.value;
  const query = {limit: form.limit.value};
  const start = from ?? form.from.value.trim();
  if (from === undefined && form.mode.value === 'timestamp') query.timestamp = start; else query.offset = start;
  out.innerHTML = '<p role="status">Reading…</p>';
  try {
    const answer = await call('GET', `${path}/partitions/${partition}/records`, {query, signal});
    const records = recordsOf(answer.text);
    const meta = answer.json;
    out.innerHTML = `<p>Partition ${esc(partition)}: ${records.length} record${records.length === 1 ? '' : 's'};
      log start ${esc(meta.logStartOffset)}, high watermark ${esc(meta.highWatermark)}, next offset ${esc(meta.nextOffset)}.
      ${meta.nextOffset < meta.highWatermark ? '<button type="button" id="browse-next">Next page</button>' : ''}</p>
      <table id="browse-table" class="records">${HEAD}<tbody>${records.map(r => rowHtml(r)).join('')}</tbody></table>`;
    const next = out.querySelector('#browse-next');
    if (next) next.addEventListener('click', () => browse(form, path, out, signal, String(meta.nextOffset)));
  } catch (e) {
    if (!isAbort(e)) report(out, e);
  }
}

/** The live tail: one SSE stream at a time, resumed with Last-Event-ID when the server ends it. Returns its stop. */
function tail($, path, pageSignal) {
  let controller = null;
  const status = $('#tail-status');
  const body = $('#tail-table tbody');
  const stop = message => {
    if (controller) controller.abort();
    controller = null;
    $('#tail-start').disabled = false;
    $('#tail-stop').disabled = true;
    if (message !== undefined) status.textContent = message;
  };
  pageSignal.addEventListener('abort', () => stop(), {once: true});
  $('#tail-stop').addEventListener('click', () => stop('Stopped.'));
  $('#tail-form').addEventListener('submit', async event => {
    event.preventDefault();
    stop();
    controller = new AbortController();
    const signal = controller.signal;
    const partition = event.target.partition.value;
    let lastId;
    let count = 0;
    body.innerHTML = '';
    $('#tail-start').disabled = true;
    $('#tail-stop').disabled = false;
    const onEvent = ev => {
      if (ev.event === 'error') throw new ApiError(JSON.parse(ev.data));
      if (ev.event !== 'record') return;
      lastId = ev.id;
      count++;
      body.insertAdjacentHTML('afterbegin', rowHtml(recordOf(ev.data)));
      while (body.rows.length > TAIL_ROWS) body.deleteRow(-1);
      status.textContent = `Live on partition ${partition}: ${count} record${count === 1 ? '' : 's'} received (newest first).`;
    };
    status.textContent = `Live on partition ${partition}: waiting for records…`;
    while (!signal.aborted) {
      try {
        await stream(`${path}/partitions/${partition}/stream`,
          {query: lastId === undefined ? {offset: event.target.from.value} : {}, lastEventId: lastId, signal, onEvent});
        if (!signal.aborted) status.textContent = `The server ended the stream after ${count} records; resuming in a second…`;
        await new Promise(resolve => setTimeout(resolve, 1000));
      } catch (e) {
        if (signal.aborted || isAbort(e)) return;
        stop();
        status.innerHTML = 'Stopped by an error:' + problemHtml(e);
        return;
      }
    }
  });
  return stop;
}
