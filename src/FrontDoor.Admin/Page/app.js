// FrontDoor status page. Every value from the API is put into the page with textContent or as an
// attribute value, never as markup: a login name like <img src=x onerror=...> shows as text.
'use strict';

(() => {
  const POLL_MS = 1000;
  const TOKEN_KEY = 'frontdoor-admin-token';
  const $ = (id) => document.getElementById(id);
  const state = { sessions: [], sortKey: 'startedAt', sortDir: 1, shown: '' };

  // The token comes in the address fragment (#token=..., never sent to the server) or from the form,
  // and is kept for this tab only.
  function takeToken() {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (match) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, '', location.pathname);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  let token = takeToken();

  async function api(method, path) {
    const headers = token ? { Authorization: 'Bearer ' + token } : {};
    const response = await fetch(path, { method, headers, cache: 'no-store' });
    if (response.status === 401) {
      throw Object.assign(new Error('token refused'), { unauthorized: true });
    }
    if (!response.ok) {
      throw new Error(method + ' ' + path + ': ' + response.status);
    }
    return response.json();
  }

  // DOM helpers: text only.
  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function row(cells) {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      tr.append(cell instanceof Node ? wrapTd(cell) : el('td', cell));
    }
    return tr;
  }
  function wrapTd(node) {
    if (node.tagName === 'TD') return node;
    const td = document.createElement('td');
    td.append(node);
    return td;
  }
  function num(value) { return el('td', value === null || value === undefined ? '–' : value, 'num'); }
  function badge(text) { return el('span', text, 'badge ' + text); }

  function duration(seconds) {
    const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
    return d > 0 ? d + 'd ' + h + 'h' : h > 0 ? h + 'h ' + m + 'm' : m + 'm ' + Math.floor(seconds % 60) + 's';
  }
  function time(iso) { return new Date(iso).toISOString().replace('T', ' ').slice(0, 19); }
  function ago(iso) { return duration(Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000)) + ' ago'; }
  function bytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }
  function ms(value) { return value === null || value === undefined ? null : value.toFixed(value < 10 ? 2 : 0) + ' ms'; }

  function renderStatus(status) {
    $('version').textContent = status.version;
    $('uptime').textContent = duration(status.uptimeSeconds);
    $('session-count').textContent = status.sessions;
    $('config-file').textContent = status.configFile;
    $('config-file').title = status.configFile;
    const reload = $('reload');
    reload.replaceChildren();
    if (!status.lastReload) {
      reload.textContent = 'none since start';
    } else {
      reload.append(badge(status.lastReload.applied ? 'ok' : 'refused'), ' ' + time(status.lastReload.at));
      reload.title = status.lastReload.error || 'applied';
      if (status.lastReload.error) reload.append(' ' + status.lastReload.error);
    }

    const listeners = $('listeners');
    listeners.replaceChildren(...status.listeners.map((l) => el('li', l.name + ' ' + l.endpoint + ' (' + l.tls + ')')));
    $('plugins').replaceChildren(...status.plugins.map((p) => el('li', 'plugin ' + p)));

    const failures = $('failures').tBodies[0];
    failures.replaceChildren(...status.recentLoginFailures.map((f) => row([time(f.at), f.address, el('td', f.user, 'user'), f.reason])));
    if (status.recentLoginFailures.length === 0) failures.append(row([el('td', 'none', 'note')]));
  }

  function renderBackends(view) {
    const body = $('backends').tBodies[0];
    body.replaceChildren(...view.backends.map((b) => {
      const endpoints = document.createElement('td');
      for (const e of b.endpoints) {
        const line = el('span', e.endpoint + ' ', 'endpoint');
        line.append(badge(e.breaker));
        endpoints.append(line);
      }
      const toggle = el('button', b.drained ? 'undrain' : 'drain', 'drain');
      toggle.dataset.backend = b.name;
      toggle.addEventListener('click', () => act('POST', '/api/backends/' + encodeURIComponent(b.name) + (b.drained ? '/undrain' : '/drain')));
      const tr = row([el('td', b.name, 'name'), badge(b.health), endpoints, num(b.sessions), num(b.loginsPerMinute),
        num(ms(b.connectP50Ms)), num(ms(b.connectP99Ms)), num(b.literalConversions), num(b.literalDrains), num(b.capabilityRewrites), toggle]);
      tr.dataset.backend = b.name;
      return tr;
    }));
    $('pools').textContent = view.pools.length === 0 ? '' :
      'Pools: ' + view.pools.map((p) => p.name + ' = ' + p.members.join(', ')).join('; ');
  }

  function renderSessions(page) {
    state.sessions = page.sessions;
    $('session-note').textContent = page.total > page.sessions.length
      ? '(showing ' + page.sessions.length + ' of ' + page.total + ')' : '(' + page.total + ')';
    $('per-listener').replaceChildren(...Object.entries(page.perListener).map(([name, count]) => el('li', name + ': ' + count)));
    if (Object.keys(page.perListener).length === 0) $('per-listener').append(el('li', 'no sessions'));
    drawSessions();
  }

  function drawSessions() {
    const filter = $('filter').value.trim().toLowerCase();
    const key = state.sortKey, dir = state.sortDir;
    const rows = state.sessions
      .filter((s) => !filter || [s.user, s.backend, s.endpoint, s.clientAddress, s.listener, s.id]
        .some((v) => v && v.toLowerCase().includes(filter)))
      .sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * dir);
    // Redraw only on change, so a button is never replaced under the pointer for nothing.
    const shown = JSON.stringify(rows) + key + dir;
    if (shown === state.shown) return;
    state.shown = shown;
    const body = $('sessions').tBodies[0];
    body.replaceChildren(...rows.map((s) => {
      const kick = el('button', 'kick', 'kick');
      kick.addEventListener('click', () => act('POST', '/api/sessions/kick?session=' + encodeURIComponent(s.id)));
      const tr = row([el('td', s.user, 'user'), s.backend, s.endpoint, s.clientAddress || '–', s.listener, time(s.startedAt),
        ago(s.lastActivity), num(bytes(s.bytesToBackend)), num(bytes(s.bytesToClient)), num(s.literalConversions), kick]);
      tr.dataset.session = s.id;
      return tr;
    }));
    for (const th of $('sessions').tHead.rows[0].cells) {
      th.classList.toggle('asc', th.dataset.key === key && dir === 1);
      th.classList.toggle('desc', th.dataset.key === key && dir === -1);
    }
  }

  async function act(method, path) {
    try {
      await api(method, path);
    } catch (error) {
      setLive(false, error.message);
    }
    refresh();
  }

  function setLive(on, text) {
    const live = $('live');
    live.className = 'live ' + (on ? 'on' : 'off');
    live.textContent = text;
  }

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    try {
      const [status, backends, sessions] = await Promise.all([
        api('GET', '/api/status'), api('GET', '/api/backends'), api('GET', '/api/sessions?pageSize=1000')]);
      $('token-form').hidden = true;
      $('main').hidden = false;
      renderStatus(status);
      renderBackends(backends);
      renderSessions(sessions);
      setLive(true, 'live · ' + new Date().toLocaleTimeString());
    } catch (error) {
      if (error.unauthorized) {
        $('main').hidden = true;
        $('token-form').hidden = false;
        $('token-error').textContent = token ? 'that token was refused' : '';
        setLive(false, 'token needed');
        return;
      }
      setLive(false, 'cannot reach FrontDoor: ' + error.message);
    }
    timer = setTimeout(refresh, POLL_MS);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      token = $('token-input').value.trim();
      sessionStorage.setItem(TOKEN_KEY, token);
      refresh();
    });
    $('filter').addEventListener('input', drawSessions);
    for (const th of $('sessions').tHead.rows[0].cells) {
      if (!th.dataset.key) continue;
      th.addEventListener('click', () => {
        state.sortDir = state.sortKey === th.dataset.key ? -state.sortDir : 1;
        state.sortKey = th.dataset.key;
        drawSessions();
      });
    }
    refresh();
  });
})();
