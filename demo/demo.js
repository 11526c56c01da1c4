// The gateway's demo client: fetch for actions, EventSource for events, nothing else. Everything that
// comes from the network is inserted as text (textContent), never as markup.
'use strict';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { base: '', token: '', jid: '', lastId: '', es: undefined, rooms: new Set(), presence: new Map() };

$('gateway').value = params.get('gateway') || location.origin;

function setStatus(name) {
  $('status').textContent = name.replace('-', ' ');
  $('status').dataset.state = name;
}

function showError(err) {
  $('error').textContent = err ? String(err.message || err) : '';
}

/** A JID object of an event ({ user, domain, resource }) as a string. */
function jidText(jid, withResource = false) {
  if (typeof jid === 'string') return jid;
  if (!jid) return '';
  const bare = jid.user ? `${jid.user}@${jid.domain}` : jid.domain;
  return withResource && jid.resource ? `${bare}/${jid.resource}` : bare;
}

/** One element with text content only. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

async function api(path, body) {
  const headers = { 'content-type': 'application/json' };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  const res = await fetch(state.base + path, { method: 'POST', headers, body: JSON.stringify(body || {}) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) throw new Error(`${res.status} ${data.condition || ''}: ${data.description || res.statusText}`);
  return data;
}

function addMessage(from, content, extra) {
  const li = document.createElement('li');
  li.append(el('span', 'time', new Date().toLocaleTimeString()), el('span', 'from', from), el('span', 'content', content));
  if (extra) li.dataset.kind = extra;
  $('messages').append(li);
  $('messages').scrollTop = $('messages').scrollHeight;
}

function renderPresence() {
  const list = $('presence');
  list.replaceChildren();
  for (const [jid, p] of [...state.presence].sort()) {
    const li = el('li', '', jid);
    li.dataset.jid = jid;
    li.append(el('span', 'show', p.status ? `${p.show} — ${p.status}` : p.show));
    list.append(li);
  }
}

const handlers = {
  'xmpp.connection': (d) => d.status === 'offline' && signedOut('logged out'),
  'xmpp.chat.message': (d) => {
    if (d.content !== undefined) addMessage(jidText(d.from), d.content, 'chat');
  },
  'xmpp.presence': (d) => {
    const show = d.type === 'unavailable' ? 'offline' : d.show || 'online';
    state.presence.set(jidText(d.from), { show, status: d.status || '' });
    renderPresence();
  },
  'xmpp.muc.message': (d) => {
    if (d.content !== undefined) addMessage(`${d.room}/${d.nick || ''}`, d.content, 'room');
  },
  'xmpp.muc.roster': (d) => {
    const id = `occupant:${d.room}/${d.nick}`;
    const old = [...$('occupants').children].find((li) => li.dataset.id === id);
    if (old) old.remove();
    if (d.type === 'unavailable') return;
    const li = el('li', '', `${d.nick} (${d.role || 'none'})`);
    li.dataset.id = id;
    $('occupants').append(li);
  },
  'xmpp.error': (d) => showError(new Error(`${d.condition}: ${d.description || ''}`)),
  'xmpp.gateway.gap': () => addMessage('gateway', 'Some events were missed (the buffer moved on).', 'gap'),
};

/** Events as Server-Sent Events. EventSource reconnects by itself with Last-Event-ID after a drop. */
async function openStream(lastEventId) {
  const { ticket } = await api('/v1/events/ticket');
  let url = `${state.base}/v1/events?ticket=${encodeURIComponent(ticket)}`;
  if (lastEventId) url += `&lastEventId=${encodeURIComponent(lastEventId)}`;
  const es = new EventSource(url);
  state.es = es;
  setStatus('connecting');
  es.onopen = () => setStatus('live');
  es.onerror = () => {
    if (state.es !== es) return;
    if (es.readyState === EventSource.CONNECTING) return setStatus('reconnecting');
    // Closed for good (the ticket expired, or the session ended): a new ticket, resuming at the cursor.
    es.close();
    if (state.token) setTimeout(() => openStream(state.lastId).catch(streamFailed), 2000);
  };
  for (const [name, handle] of Object.entries(handlers)) {
    es.addEventListener(name, (e) => {
      state.lastId = e.lastEventId;
      $('last-id').textContent = e.lastEventId;
      handle(JSON.parse(e.data));
    });
  }
}

function streamFailed(err) {
  // 401/410: the session is gone; anything else: try again.
  if (/^(401|410) /.test(err.message)) return signedOut(err.message);
  setStatus('reconnecting');
  setTimeout(() => openStream(state.lastId).catch(streamFailed), 5000);
}

function signedOut(reason) {
  if (state.es) state.es.close();
  Object.assign(state, { token: '', lastId: '', es: undefined });
  state.rooms.clear();
  setStatus('signed-out');
  $('session').hidden = true;
  $('login').hidden = false;
  if (reason) showError(new Error(reason));
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  showError();
  state.base = $('gateway').value.replace(/\/+$/, '');
  const body = { jid: $('jid').value.trim() };
  if ($('password').value) body.password = $('password').value;
  if ($('host').value.trim()) body.host = $('host').value.trim();
  if ($('port').value) body.port = Number($('port').value);
  try {
    const res = await api(body.password ? '/v1/login' : '/v1/login/anonymous', body);
    state.token = res.token;
    state.jid = jidText(res.jid, true);
    $('password').value = '';
    $('me').textContent = state.jid;
    $('login').hidden = true;
    $('session').hidden = false;
    await openStream();
    // Like XMPP-FTW, login only binds: send presence and fetch the roster.
    await api('/v1/presence', {});
    for (const item of await api('/v1/roster/get')) {
      const jid = jidText(item.jid);
      if (!state.presence.has(jid)) state.presence.set(jid, { show: 'offline', status: '' });
    }
    renderPresence();
  } catch (err) {
    showError(err);
  }
});

$('logout').addEventListener('click', async () => {
  try {
    await api('/v1/logout');
  } catch (err) {
    showError(err);
  }
  signedOut();
});

$('send').addEventListener('submit', async (e) => {
  e.preventDefault();
  const to = $('to').value.trim();
  const content = $('text').value;
  try {
    if (state.rooms.has(to)) await api('/v1/muc/message', { room: to, content });
    else {
      await api('/v1/chat/message', { to, content });
      addMessage(`me → ${to}`, content, 'sent');
    }
    $('text').value = '';
    showError();
  } catch (err) {
    showError(err);
  }
});

$('join').addEventListener('submit', async (e) => {
  e.preventDefault();
  const room = $('room').value.trim();
  try {
    // muc/create joins an existing room, or creates it with the default configuration (XEP-0045 §10.1.2).
    await api('/v1/muc/create', { room, nick: $('nick').value.trim(), instant: true });
    state.rooms.add(room);
    $('to').value = room;
    showError();
  } catch (err) {
    showError(err);
  }
});
