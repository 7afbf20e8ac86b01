// Records as the API sent them: offsets and timestamps from the parsed answer, keys, values and headers
// from the raw text (see json.js), pretty-printed without touching a digit.

import {member, pretty, raw, scan} from './json.js';
import {esc} from './ui.js';

/** The records of a fetch answer's raw text: [{offset, timestamp, key, value, headers}] with raw key and value. */
export function recordsOf(text) {
  const root = scan(text);
  const list = member(root, 'records');
  return list ? list.items.map(node => record(text, node)) : [];
}

/** One record's raw JSON text (an SSE event's data). */
export function recordOf(text) {
  return record(text, scan(text));
}

function record(text, node) {
  const headers = member(node, 'headers');
  return {
    offset: raw(text, member(node, 'offset')),
    timestamp: JSON.parse(raw(text, member(node, 'timestamp')) ?? 'null'),
    key: raw(text, member(node, 'key')) ?? 'null',
    value: raw(text, member(node, 'value')) ?? 'null',
    headers: headers ? JSON.parse(raw(text, headers)) : {},
  };
}

export const HEAD = `<thead><tr><th scope="col" class="num">Offset</th><th scope="col">Timestamp</th><th scope="col">Key</th>
  <th scope="col">Headers</th><th scope="col">Value</th></tr></thead>`;

export function rowHtml(r, partition) {
  const headers = Object.entries(r.headers || {});
  return `<tr data-offset="${esc(r.offset)}"><td class="num">${partition === undefined ? '' : esc(partition) + ':'}${esc(r.offset)}</td>
    <td>${esc(r.timestamp)}</td><td><code class="key">${esc(r.key)}</code></td>
    <td>${headers.length ? `<dl class="headers">${headers.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>` : '<span class="muted">none</span>'}</td>
    <td><pre class="value">${r.value === 'null' ? '<span class="muted">null (tombstone)</span>' : esc(pretty(r.value))}</pre></td></tr>`;
}
