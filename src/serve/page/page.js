// The operator page of `docket serve`: read-only views of the API. Every value from the
// service goes into the page as text (textContent, DOM nodes), never as HTML.
'use strict';

(function () {
  const TOKEN_KEY = 'docket.token';
  const DUE_LIMIT = 200;
  const $ = (id) => document.getElementById(id);

  // ── the API ───────────────────────────────────────────────────────────────
  /** An error of a call: `kind` is 'unreachable', 'token', 'missing' or 'other'. */
  class CallError extends Error {
    constructor(kind, message) {
      super(message);
      this.kind = kind;
    }
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  }

  /** GETs `path`; the answer's text, or a CallError. */
  async function get(path) {
    const headers = {};
    if (token()) headers.Authorization = 'Bearer ' + token();
    let answer;
    try {
      answer = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      throw new CallError('unreachable', 'The service cannot be reached: is docket serve running, and at this address?');
    }
    const text = await answer.text();
    if (answer.ok) return text;
    let message = 'the service answered ' + answer.status;
    try {
      message = JSON.parse(text).error || message;
    } catch (e) { /* not JSON: the status says it */ }
    if (answer.status === 401) throw new CallError('token', message);
    if (answer.status === 404) throw new CallError('missing', message);
    throw new CallError('other', message);
  }

  const getJson = async (path) => JSON.parse(await get(path));
  const getLines = async (path) =>
    (await get(path)).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));

  // ── building the page ─────────────────────────────────────────────────────
  /** An element with `attrs` and children (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  /** A value as the page shows it: masked, unset and lists set apart. */
  function value(v) {
    if (v === '<sensitive>') return el('span', { class: 'masked' }, 'sensitive');
    if (v === null || v === undefined) return el('span', { class: 'unset' }, '—');
    if (Array.isArray(v)) {
      if (v.length === 0) return el('span', { class: 'unset' }, '[]');
      const out = el('span');
      v.forEach((x, i) => {
        if (i > 0) out.append(', ');
        out.append(value(x));
      });
      return out;
    }
    if (typeof v === 'object') return document.createTextNode(JSON.stringify(v));
    return document.createTextNode(String(v));
  }

  /** Fills `table` with a head of `columns` and `rows` (arrays of cells), or `empty`. */
  function fill(table, columns, rows, empty) {
    table.replaceChildren();
    if (rows.length === 0) {
      table.append(el('tbody', {}, el('tr', {}, el('td', { class: 'empty' }, empty))));
      return;
    }
    table.append(el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', {}, c)))));
    const body = el('tbody');
    for (const row of rows) {
      body.append(el('tr', {}, ...row.map((cell) =>
        cell instanceof HTMLTableCellElement ? cell : el('td', {}, cell))));
    }
    table.append(body);
  }

  const td = (cls, ...children) => el('td', { class: cls }, ...children);
  const caseHash = (type, key) =>
    '#/case/' + encodeURIComponent(type) + '/' + encodeURIComponent(key);
  const caseLink = (type, key) => el('a', { href: caseHash(type, key) }, key);

  // ── notices ───────────────────────────────────────────────────────────────
  function notice(text, bad) {
    const n = $('notice');
    n.textContent = text;
    n.className = bad ? 'notice bad' : 'notice';
    n.hidden = !text;
  }

  /** Says what a failed call means to the operator. */
  function failed(e) {
    if (e.kind === 'token') {
      notice(token()
        ? 'Wrong token: the service refused it. Enter the service\'s bearer token above.'
        : 'This service needs a token: enter its bearer token above.', true);
      $('token').focus();
    } else if (e.kind === 'unreachable') {
      notice(e.message, true);
    } else {
      notice('Error: ' + e.message, true);
    }
  }

  // ── the views ─────────────────────────────────────────────────────────────
  async function loadPolicy() {
    const policy = await getJson('/v1/policy');
    const select = $('case-type');
    const chosen = select.value;
    select.replaceChildren(...policy.case_types.map((t) => el('option', { value: t }, t)));
    if (policy.case_types.includes(chosen)) select.value = chosen;
    $('policy').textContent = 'policy ' + String(policy.version).slice(0, 12);
  }

  async function loadDue() {
    const list = await getJson('/v1/due?limit=' + DUE_LIMIT);
    fill($('due'), ['Due at', 'Case'],
      list.due.map((d) => [
        td('when', el('span', { class: 'mono' }, d.at), el('span', { class: 'sub-line' }, d.deadline)),
        td('', el('span', { class: 'mono nowrap' }, caseLink(d.type, d.key)),
          el('span', { class: 'sub-line' }, d.type + ' · ' + d.status))]),
      'No open deadline.');
    const more = $('due-more');
    more.hidden = !list.more;
    more.textContent = list.more ? 'Only the first ' + DUE_LIMIT + ' are shown.' : '';
  }

  /** The messages of one case in its journal rows, with the row they came in. */
  function messagesOf(rows, type, key) {
    const out = [];
    for (const row of rows) {
      for (const o of (row.record && row.record.outcomes) || []) {
        if (o[type] !== key) continue;
        for (const m of o.messages || []) out.push({ row, m });
      }
    }
    return out;
  }

  /** What a journal row did to the case, in a few words. */
  function outcomeOf(row, type, key) {
    if (!row.record) return row.kind;
    if (row.record.error) return td('error', row.record.error);
    const mine = (row.record.outcomes || []).filter((o) => o[type] === key);
    const parts = mine.map((o) => {
      const ids = (o.messages || []).map((m) => m.id);
      return (o.status ? '→ ' + o.status : '') + (ids.length ? ' · ' + ids.join(', ') : '');
    });
    return parts.join('; ') || '—';
  }

  async function loadCase(type, key) {
    $('case').hidden = false;
    $('case-title').replaceChildren(el('span', { class: 'hint' }, type + ' '), key);
    $('case-status').textContent = '';
    $('case-type').value = type;
    $('case-key').value = key;
    let shown;
    try {
      shown = await getJson('/v1/cases/' + encodeURIComponent(type) + '/' + encodeURIComponent(key));
    } catch (e) {
      $('case-body').hidden = true;
      $('case-status').hidden = true;
      const missing = $('case-missing');
      missing.hidden = e.kind !== 'missing';
      missing.textContent = 'No such case: there is no ' + type + ' keyed ' + key + '.';
      if (e.kind !== 'missing') throw e;
      return;
    }
    const rows = await getLines('/v1/cases/' + encodeURIComponent(type) + '/' +
      encodeURIComponent(key) + '/journal');
    $('case-missing').hidden = true;
    $('case-body').hidden = false;
    $('case-status').hidden = false;
    $('case-status').textContent = shown.status;

    fill($('fields'), ['Field', 'Value'],
      Object.entries(shown.fields || {}).map(([k, v]) => [el('th', {}, k), td('', value(v))]),
      'No fields.');
    fill($('deadlines'), ['Deadline', 'Due at', 'Fired at'],
      Object.entries(shown.deadlines || {}).map(([name, d]) =>
        [name, td('when mono', value(d.at)), td('when mono', value(d.fired))]),
      'No deadlines.');
    const people = shown.participants || [];
    const columns = [...new Set(people.flatMap((p) => Object.keys(p)))];
    fill($('participants'), ['#', ...columns],
      people.map((p, i) => [td('num', i + 1), ...columns.map((c) => td('', value(p[c])))]),
      'No people.');
    fill($('messages'), ['Seq', 'Message', 'Text'],
      messagesOf(rows, type, key).map(({ row, m }) => [td('num', row.seq),
        td('nowrap', el('span', { class: 'mono' }, m.id), el('span', { class: 'sub-line mono' }, row.at || '')),
        td('text', m.text)]),
      'No messages.');
    fill($('history'), ['Seq', 'At', 'Event', 'Outcome'],
      rows.map((row) => [td('num', row.seq), td('when mono', row.at || row.recorded || ''),
        td('mono', (row.event && row.event.type) || row.kind),
        outcomeOf(row, type, key)]),
      'No history.');
  }

  // ── wiring ────────────────────────────────────────────────────────────────
  /** The case the fragment names (`#/case/TYPE/KEY`), if any. */
  function fragmentCase() {
    const m = /^#\/case\/([^/]+)\/(.+)$/.exec(location.hash);
    if (!m) return null;
    try {
      return { type: decodeURIComponent(m[1]), key: decodeURIComponent(m[2]) };
    } catch (e) {
      return null;
    }
  }

  async function refresh() {
    notice('', false);
    try {
      await loadPolicy();
      const c = fragmentCase();
      if (c) await loadCase(c.type, c.key);
      else $('case').hidden = true;
      await loadDue();
      document.body.dataset.state = 'ready';
    } catch (e) {
      // nothing read before stays on show (after *Forget*, or with another token)
      $('case').hidden = true;
      $('due').replaceChildren();
      $('due-more').hidden = true;
      failed(e);
      document.body.dataset.state = 'failed-' + (e.kind || 'other');
    }
  }

  function start() {
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const given = $('token').value.trim();
      // a header holds printable ASCII only: anything else is no token of the service
      if (given && !/^[\x21-\x7e]+$/.test(given)) {
        notice('That is not a token: a token is one word of printable ASCII characters.', true);
        return;
      }
      if (given) sessionStorage.setItem(TOKEN_KEY, given);
      $('token').value = '';
      refresh();
    });
    $('forget').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      refresh();
    });
    $('lookup').addEventListener('submit', (e) => {
      e.preventDefault();
      const key = $('case-key').value.trim();
      if (!key) return;
      const hash = caseHash($('case-type').value, key);
      if (location.hash === hash) refresh();
      else location.hash = hash;
    });
    $('refresh').addEventListener('click', refresh);
    window.addEventListener('hashchange', refresh);
    refresh();
  }

  start();
})();
