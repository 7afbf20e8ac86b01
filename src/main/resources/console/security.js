import {apiKey, call, enc, get, setApiKey} from './api.js';
import {act, esc, isAbort, problemHtml, report} from './ui.js';

/** Who the console is signed in as: refreshes the header and resolves to the whoami answer (or rejects). */
export async function whoami(signal) {
  const session = document.getElementById('session');
  try {
    const me = await get('/whoami', {signal});
    session.innerHTML = `<span id="whoami">${esc(me.principal)}</span>${me.superUser ? ' (super-user)' : ''}
      ${apiKey() ? '<button type="button" id="sign-out">Sign out</button>' : ''}`;
    const out = session.querySelector('#sign-out');
    if (out) out.addEventListener('click', () => { setApiKey(null); location.hash = '#/sign-in'; whoami().catch(() => {}); });
    return me;
  } catch (e) {
    if (!isAbort(e)) session.innerHTML = '<a href="#/sign-in" id="sign-in-link">Sign in</a>';
    throw e;
  }
}

export async function renderSignIn(main, params, signal) {
  main.innerHTML = `<h1>Sign in</h1>
    <p>With security on, every API call needs a credential. The key is kept in this tab only (sessionStorage) and sent as
      <code>Authorization: Bearer</code> on each call.</p>
    <form id="sign-in-form" class="stack">
      <label>API key <input type="password" name="key" id="api-key" required autocomplete="off"></label>
      <button type="submit" id="sign-in-button">Sign in</button>
    </form>
    <div id="sign-in-result" aria-live="polite"></div>`;
  main.querySelector('#sign-in-form').addEventListener('submit', async event => {
    event.preventDefault();
    setApiKey(event.target.key.value.trim());
    const out = main.querySelector('#sign-in-result');
    try {
      const me = await whoami(signal);
      report(out, null, `Signed in as ${me.principal}.`);
      location.hash = '#/cluster';
    } catch (e) {
      setApiKey(null);
      if (!isAbort(e)) report(out, e);
    }
  });
}

export async function render(main, params, signal) {
  main.innerHTML = `<h1>Security</h1><div id="me"><p role="status">Loading GET /whoami…</p></div>
    <div id="admin"></div><div id="security-result" aria-live="polite"></div>`;
  let me;
  try {
    me = await whoami(signal);
  } catch (e) {
    if (!isAbort(e)) main.querySelector('#me').innerHTML = problemHtml(e) + '<p><a href="#/sign-in">Sign in with an API key</a></p>';
    return;
  }
  main.querySelector('#me').innerHTML = `<dl class="facts"><dt>Principal</dt><dd>${esc(me.principal)}</dd>
    <dt>Super-user</dt><dd>${me.superUser ? 'yes' : 'no'}</dd></dl>`;
  if (!me.superUser) {
    main.querySelector('#admin').innerHTML = '<p>API keys and ACLs are managed by super-users (ALTER on the cluster).</p>';
    return;
  }
  await admin(main, signal);
}

async function admin(main, signal) {
  // A fresh element each time, so listeners of an earlier rendering do not pile up.
  const target = main.querySelector('#admin').cloneNode(false);
  const out = main.querySelector('#security-result');
  const [keys, acls] = await Promise.allSettled([get('/api-keys', {signal}), get('/acls', {signal})]);
  if (signal.aborted) return;
  main.querySelector('#admin').replaceWith(target);
  target.innerHTML = `<section aria-labelledby="h-keys"><h2 id="h-keys">API keys</h2>
      ${keys.status === 'rejected' ? problemHtml(keys.reason) : `<table id="keys-table"><thead><tr><th scope="col">Id</th><th scope="col">Principal</th>
        <th scope="col">Description</th><th scope="col">Created</th><th scope="col">Action</th></tr></thead><tbody>
        ${(keys.value.apiKeys || []).map(k => `<tr><td><code>${esc(k.id)}</code></td><td>${esc(k.principal)}</td><td>${esc(k.description)}</td>
          <td>${esc(k.createdAt)}</td><td><button type="button" data-key="${esc(k.id)}">Delete key ${esc(k.id)}</button></td></tr>`).join('')
          || '<tr><td colspan="5">No keys (the bootstrap key is configuration, not listed).</td></tr>'}</tbody></table>`}
      <form id="key-form" class="row"><label>Principal <input name="principal" required placeholder="User:alice" autocomplete="off"></label>
        <label>Description <input name="description" autocomplete="off"></label><button type="submit">Create API key</button></form>
    </section>
    <section aria-labelledby="h-acls"><h2 id="h-acls">ACLs</h2>
      ${acls.status === 'rejected' ? problemHtml(acls.reason) : `<table id="acls-table"><thead><tr><th scope="col">Principal</th><th scope="col">Resource</th>
        <th scope="col">Pattern</th><th scope="col">Operation</th><th scope="col">Permission</th><th scope="col">Action</th></tr></thead><tbody>
        ${(acls.value.acls || []).map((a, i) => `<tr><td>${esc(a.principal)}</td><td>${esc(a.resourceType)} ${esc(a.resourceName)}</td>
          <td>${esc(a.patternType)}</td><td>${esc(a.operation)}</td><td>${esc(a.permission)}</td>
          <td><button type="button" data-acl="${i}">Delete this ACL</button></td></tr>`).join('') || '<tr><td colspan="6">No ACLs.</td></tr>'}</tbody></table>`}
      <form id="acl-form" class="row">
        <label>Principal <input name="principal" required placeholder="User:alice" autocomplete="off"></label>
        <label>Resource type <select name="resourceType"><option>TOPIC</option><option>GROUP</option><option>CLUSTER</option></select></label>
        <label>Resource name <input name="resourceName" required placeholder="orders" autocomplete="off"></label>
        <label>Pattern <select name="patternType"><option>LITERAL</option><option>PREFIXED</option></select></label>
        <label>Operation <select name="operation">${['READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'ALTER_CONFIGS', 'DESCRIBE_CONFIGS', 'ALL']
          .map(o => `<option>${o}</option>`).join('')}</select></label>
        <label>Permission <select name="permission"><option>ALLOW</option><option>DENY</option></select></label>
        <button type="submit">Add ACL</button></form>
    </section>`;
  const again = () => admin(main, signal);
  target.querySelector('#key-form').addEventListener('submit', async event => {
    event.preventDefault();
    const f = event.target;
    try {
      const created = (await call('POST', '/api-keys', {body: {principal: f.principal.value.trim(), description: f.description.value}, signal})).json;
      await again();
      out.innerHTML = `<div class="ok" role="status"><p>Key created for ${esc(created.principal)}, id <code>${esc(created.id)}</code>.
        Copy it now, it is not shown again:</p><p><code id="new-key">${esc(created.key)}</code></p></div>`;
    } catch (e) {
      if (!isAbort(e)) report(out, e);
    }
  });
  target.querySelector('#acl-form').addEventListener('submit', async event => {
    event.preventDefault();
    const f = event.target;
    const body = {};
    for (const n of ['principal', 'resourceType', 'resourceName', 'patternType', 'operation', 'permission']) body[n] = f[n].value.trim();
    if (await act(out, () => call('POST', '/acls', {body, signal}), 'ACL added.')) { await again(); report(out, null, 'ACL added.'); }
  });
  target.addEventListener('click', async event => {
    const key = event.target.closest('button[data-key]');
    const acl = event.target.closest('button[data-acl]');
    if (key && confirm(`Delete API key ${key.dataset.key}? Its holder is refused from then on.`)) {
      if (await act(out, () => call('DELETE', '/api-keys/' + enc(key.dataset.key), {signal}), 'Key deleted.')) { await again(); report(out, null, 'Key deleted.'); }
    }
    if (acl && acls.status === 'fulfilled') {
      const a = acls.value.acls[Number(acl.dataset.acl)];
      const query = {principal: a.principal, resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType,
        operation: a.operation, permission: a.permission};
      if (await act(out, () => call('DELETE', '/acls', {query, signal}), 'ACL deleted.')) { await again(); report(out, null, 'ACL deleted.'); }
    }
  });
}
