// Per-topic size and traffic from /actuator/prometheus, the same metrics an operator scrapes. They are
// this instance's own view: the bytes of the replicas it holds and the records it appended and served.
// Rates come from two samples: the previous one is kept for as long as the console stays open.

import {ApiError, apiKey, bounded, url} from './api.js';

let previous = null;

function parse(text) {
  const topics = new Map();
  const entry = t => topics.get(t) || topics.set(t, {size: 0, in: 0, out: 0}).get(t);
  const line = /^(runnel_log_size_bytes|runnel_records_in_total|runnel_records_out_total)\{([^}]*)\}\s+(\S+)/;
  for (const l of text.split('\n')) {
    const m = line.exec(l);
    if (!m) continue;
    const topic = /(?:^|,)topic="((?:[^"\\]|\\.)*)"/.exec(m[2]);
    if (!topic) continue;
    const e = entry(topic[1]);
    const v = Number(m[3]);
    if (m[1] === 'runnel_log_size_bytes') e.size += v; else if (m[1] === 'runnel_records_in_total') e.in += v; else e.out += v;
  }
  return topics;
}

/** Map topic → {size, inRate, outRate}; rates are undefined on the first sample. Rejects with ApiError. */
export async function topicMetrics(signal) {
  const headers = {Accept: 'text/plain'};
  if (apiKey()) headers.Authorization = 'Bearer ' + apiKey();
  const limit = bounded(signal);
  let response;
  let text;
  try {
    response = await fetch(url('/actuator/prometheus'), {headers, signal: limit.signal});
    text = await response.text();
  } catch (e) {
    if (signal && signal.aborted) throw e;
    throw new ApiError({title: 'Metrics unreachable', status: 0, detail: 'GET /actuator/prometheus: ' + e.message});
  } finally {
    limit.done();
  }
  if (!response.ok) {
    let problem;
    try { problem = JSON.parse(text); } catch (e) { problem = {title: 'HTTP ' + response.status, status: response.status}; }
    throw new ApiError(problem);
  }
  const now = performance.now();
  const sample = {at: now, topics: parse(text)};
  const result = new Map();
  for (const [topic, m] of sample.topics) {
    const before = previous && previous.topics.get(topic);
    const seconds = previous ? (now - previous.at) / 1000 : 0;
    result.set(topic, {
      size: m.size,
      inRate: before && seconds > 0 ? Math.max(0, m.in - before.in) / seconds : undefined,
      outRate: before && seconds > 0 ? Math.max(0, m.out - before.out) / seconds : undefined,
    });
  }
  previous = sample;
  return result;
}
