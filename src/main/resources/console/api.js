// The console's only way to the server: the public API, with the signed-in key on every call.
// Every failure becomes an ApiError carrying an RFC 9457 problem (the server's own, or one written here
// for a network failure or a timeout), so pages show one kind of error, never an endless spinner.

const KEY = 'runnel.console.apiKey';
const TIMEOUT_MS = 15000;

/** The API's root: the console lives at <root>/console/. */
export const root = new URL('../', document.baseURI);

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title);
    this.problem = problem;
  }
}

export function url(path, query) {
  const u = new URL(path.replace(/^\//, ''), root);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== '') u.searchParams.set(k, v);
  return u;
}

export function enc(name) {
  return encodeURIComponent(name);
}

function headers(extra) {
  const h = {Accept: 'application/json', ...extra};
  const key = apiKey();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

/** An abort signal that fires on the page's signal or after the timeout; call done() once answered. */
export function bounded(signal, ms = TIMEOUT_MS) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms / 1000} s`, 'TimeoutError')), ms);
  if (signal) {
    if (signal.aborted) controller.abort(signal.reason);
    signal.addEventListener('abort', () => controller.abort(signal.reason), {once: true});
  }
  return {signal: controller.signal, done: () => clearTimeout(timer)};
}

async function problemOf(response, text) {
  try {
    const body = JSON.parse(text);
    if (body && typeof body === 'object' && (body.title || body.detail)) return body;
  } catch (e) { /* not a problem document */ }
  return {title: response.statusText || 'HTTP ' + response.status, status: response.status,
    detail: text ? text.slice(0, 500) : 'the server answered ' + response.status + ' without a problem document'};
}

function transportProblem(e, method, path) {
  if (e.name === 'TimeoutError') return {title: 'No answer', status: 0, detail: `${method} ${path}: ${e.message}`};
  return {title: 'Server unreachable', status: 0, detail: `${method} ${path}: ${e.message}`};
}

/**
 * Calls the API. body: an object (sent as JSON) or a string (sent as it is: exact JSON text).
 * Resolves to {status, text, json}; rejects with ApiError, or with the page's AbortError when it moved on.
 */
export async function call(method, path, {body, query, signal} = {}) {
  const extra = body === undefined ? {} : {'Content-Type': 'application/json'};
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const limit = bounded(signal, TIMEOUT_MS);
  try {
    const response = await fetch(url(path, query), {method, headers: headers(extra), body: payload, signal: limit.signal});
    const text = await response.text();
    if (!response.ok) throw new ApiError(await problemOf(response, text));
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    return {status: response.status, text, json, response};
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (signal && signal.aborted) throw e;
    throw new ApiError(transportProblem(e, method, path));
  } finally {
    limit.done();
  }
}

export const get = (path, options) => call('GET', path, options).then(r => r.json);

/**
 * Reads Server-Sent Events with fetch, so the Authorization header goes along (EventSource cannot send one).
 * onEvent({event, id, data}) per event; resolves when the server ends the stream; rejects with ApiError.
 */
export async function stream(path, {query, lastEventId, signal, onEvent}) {
  const extra = {Accept: 'text/event-stream'};
  if (lastEventId !== undefined) extra['Last-Event-ID'] = String(lastEventId);
  let response;
  try {
    response = await fetch(url(path, query), {headers: headers(extra), signal});
  } catch (e) {
    if (signal && signal.aborted) throw e;
    throw new ApiError(transportProblem(e, 'GET', path));
  }
  if (!response.ok) throw new ApiError(await problemOf(response, await response.text()));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const ev = {event: 'message', data: ''};
      const data = [];
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? '' : line.slice(colon + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (field === 'data') data.push(val);
        else if (field === 'event') ev.event = val;
        else if (field === 'id') ev.id = val;
      }
      if (data.length) {
        ev.data = data.join('\n');
        onEvent(ev);
      }
    }
  }
}
