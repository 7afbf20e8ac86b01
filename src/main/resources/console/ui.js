// Small helpers shared by the pages: escaping (every user-supplied string goes through esc), problem
// details as the API sent them, and the lag sparkline.

export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}

/** A problem detail, every member shown, in an alert region. */
export function problemHtml(error) {
  const p = error && error.problem ? error.problem : {title: 'Unexpected error', detail: String(error && error.message || error)};
  const known = ['type', 'title', 'status', 'detail', 'code', 'instance'];
  const extra = Object.entries(p).filter(([k]) => !known.includes(k));
  return `<div class="problem" role="alert">
    <p><strong>Error${p.status ? ' ' + esc(p.status) : ''}: ${esc(p.title || '')}</strong>${p.code ? ` <code>${esc(p.code)}</code>` : ''}</p>
    ${p.detail ? `<p>${esc(p.detail)}</p>` : ''}
    ${extra.length ? `<dl>${extra.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</dd>`).join('')}</dl>` : ''}
    ${p.type && p.type !== 'about:blank' ? `<p class="muted">type: ${esc(p.type)}</p>` : ''}
  </div>`;
}

/** Shows the outcome of an action in a status element: a problem, or a short success message. */
export function report(element, error, success) {
  if (!element) return;
  element.innerHTML = error ? problemHtml(error) : `<p class="ok" role="status">${esc(success)}</p>`;
}

export function isAbort(e) {
  return e && e.name === 'AbortError';
}

/** Runs an action from a form or button, showing its problem or success in target. */
export async function act(target, action, success) {
  try {
    const result = await action();
    report(target, null, typeof success === 'function' ? success(result) : success);
    return result;
  } catch (e) {
    if (!isAbort(e)) report(target, e);
    return undefined;
  }
}

/** An inline SVG line of the values (a few dozen numbers), with a text alternative. */
export function sparkline(values, label) {
  const w = 120, h = 24;
  if (values.length < 2) return `<span class="muted">collecting…</span>`;
  const max = Math.max(...values, 1);
  const step = w / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`).join(' ');
  return `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}: ${esc(values.join(', '))}">
    <polyline fill="none" stroke="currentColor" stroke-width="1.5" points="${points}"/></svg>`;
}

export function bytes(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + ' ' + units[i];
}

export function rate(n) {
  return n === undefined || n === null ? '—' : n < 10 ? n.toFixed(1) : String(Math.round(n));
}

/** Lines of "name=value" (configs) or "name: value" (headers) into an object; blank lines ignored. */
export function pairs(text, separator) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf(separator);
    if (at < 1) throw new Error(`"${line}" is not name${separator}value`);
    out[line.slice(0, at).trim()] = line.slice(at + separator.length).trim();
  }
  return out;
}

/** Every few seconds while the page's signal is live; errors go to onError; never overlaps itself. */
export function every(ms, signal, task) {
  let timer;
  const run = async () => {
    if (signal.aborted) return;
    try { await task(); } catch (e) { /* the task reports its own errors */ }
    if (!signal.aborted) timer = setTimeout(run, ms);
  };
  signal.addEventListener('abort', () => clearTimeout(timer), {once: true});
  timer = setTimeout(run, ms);
}
