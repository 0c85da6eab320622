/*
 * The search page: results as you type, facets as filters, pages, "did you mean".
 *
 * Safety rule of this file: every string that comes from a document (titles, ids, urls,
 * types, snippets) reaches the page as text — textContent or text nodes — never as HTML.
 * Snippets are HTML-escaped text whose only markup is <mark>; they are rebuilt as nodes
 * by splitting on <mark>…</mark> and unescaping the text between (see snippetNodes).
 */
(function () {
  'use strict';

  var DEBOUNCE_MS = 150;
  var LIMIT = 10;
  var TYPE_LABELS = { communique: 'Communiqués', convention: 'Conventions', guide: 'Guides' };
  var FACET_LABELS = { type: 'Type', year: 'Année', department: 'Département' };

  var form = document.getElementById('search-form');
  var input = document.getElementById('q');
  var statusEl = document.getElementById('status');
  var dym = document.getElementById('didyoumean');
  var dymButton = document.getElementById('suggestion');
  var relaxedEl = document.getElementById('relaxed');
  var facetsEl = document.getElementById('facets');
  var list = document.getElementById('results-list');
  var pagesEl = document.getElementById('pages');

  /* What is asked: the query, the page and the filters (type, department, year). */
  var state = { q: '', page: 1, type: '', department: '', year: '' };
  var timer = 0;
  var seq = 0;
  var controller = null;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    var k;
    for (k in attrs || {}) {
      if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /* Text of escaped HTML: the five entities buf_add_html writes, plus numeric ones. */
  function unescapeHtml(s) {
    return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, function (m, e) {
      if (e === 'amp') return '&';
      if (e === 'lt') return '<';
      if (e === 'gt') return '>';
      if (e === 'quot') return '"';
      if (e === 'apos') return "'";
      var cp = e.charAt(1) === 'x' || e.charAt(1) === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      if (!(cp > 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(cp);
    });
  }

  /* A snippet as a fragment of text nodes and <mark> elements; never parsed as HTML. */
  function snippetNodes(snippet) {
    var frag = document.createDocumentFragment();
    var parts = String(snippet || '').split(/(<mark>|<\/mark>)/);
    var inMark = false;
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i];
      if (p === '<mark>') { inMark = true; continue; }
      if (p === '</mark>') { inMark = false; continue; }
      if (!p) continue;
      var text = document.createTextNode(unescapeHtml(p));
      if (inMark) frag.appendChild(el('mark', null, text));
      else frag.appendChild(text);
    }
    return frag;
  }

  /* Where a title leads: the document's own http(s) url, else the daemon's copy of its fields. */
  function docHref(hit) {
    if (typeof hit.url === 'string' && /^https?:\/\/[^\s]+$/i.test(hit.url)) return hit.url;
    return '/documents/' + String(hit.id || '').split('/').map(encodeURIComponent).join('/');
  }

  function formatDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
    if (!m) return '';
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (isNaN(d.getTime())) return iso;
    return d.toLocaleDateString('fr-FR', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
  }

  function typeLabel(t) {
    return Object.prototype.hasOwnProperty.call(TYPE_LABELS, t) ? TYPE_LABELS[t] : t;
  }

  function apiParams() {
    var p = new URLSearchParams();
    p.set('q', state.q);
    if (state.page > 1) p.set('page', String(state.page));
    p.set('limit', String(LIMIT));
    if (state.type) p.set('type', state.type);
    if (state.department) p.set('department', state.department);
    if (/^\d{4}$/.test(state.year)) {
      p.set('from', state.year + '-01-01');
      p.set('to', state.year + '-12-31');
    }
    return p;
  }

  /* The address bar mirrors the state, so a search can be shared or reloaded. */
  function syncUrl() {
    var p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.page > 1) p.set('page', String(state.page));
    ['type', 'department', 'year'].forEach(function (k) { if (state[k]) p.set(k, state[k]); });
    var s = p.toString();
    history.replaceState(null, '', s ? '?' + s : location.pathname);
  }

  function readUrl() {
    var p = new URLSearchParams(location.search);
    state.q = p.get('q') || '';
    state.page = Math.max(1, parseInt(p.get('page') || '1', 10) || 1);
    state.type = p.get('type') || '';
    state.department = p.get('department') || '';
    state.year = p.get('year') || '';
  }

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.className = isError ? 'error' : '';
  }

  function resetResults() {
    clear(list);
    clear(facetsEl);
    clear(pagesEl);
    facetsEl.hidden = true;
    pagesEl.hidden = true;
    dym.hidden = true;
    relaxedEl.hidden = true;
  }

  function renderHits(res) {
    clear(list);
    (res.hits || []).forEach(function (hit, i) {
      var meta = [];
      if (hit.type) meta.push(typeLabel(String(hit.type)));
      if (hit.date) meta.push(formatDate(String(hit.date)));
      if (hit.department) meta.push('Département ' + hit.department);
      var link = el('a', { href: docHref(hit), 'data-hit': String(i) }, String(hit.title || hit.id || 'Sans titre'));
      list.appendChild(el('li', { 'class': 'hit' },
        el('article', null,
          el('h2', null, link),
          meta.length ? el('p', { 'class': 'meta' }, meta.join(' · ')) : null,
          hit.snippet ? el('p', { 'class': 'snippet' }, snippetNodes(hit.snippet)) : null)));
    });
  }

  function facetButton(name, value, count, pressed) {
    var label = name === 'type' ? typeLabel(value) : value;
    var b = el('button', { type: 'button', 'class': 'facet', 'aria-pressed': pressed ? 'true' : 'false',
                           'data-facet': name, 'data-value': value },
               el('span', null, label), el('span', { 'class': 'count' }, String(count)));
    b.addEventListener('click', function () {
      state[name] = pressed ? '' : value;
      state.page = 1;
      run(true);
    });
    return b;
  }

  function renderFacets(res) {
    clear(facetsEl);
    var facets = res.facets || {};
    var any = false;
    ['type', 'year', 'department'].forEach(function (name) {
      var values = facets[name];
      var active = state[name];
      if (!values || typeof values !== 'object') values = {};
      var keys = Object.keys(values);
      if (active && keys.indexOf(active) < 0) { keys.push(active); }
      if (!keys.length) return;
      if (name === 'year') keys.sort(function (a, b) { return b.localeCompare(a); });
      else keys.sort(function (a, b) { return (values[b] || 0) - (values[a] || 0) || a.localeCompare(b); });
      var fs = el('fieldset', null, el('legend', null, FACET_LABELS[name]));
      keys.forEach(function (k) { fs.appendChild(facetButton(name, k, values[k] || 0, k === active)); });
      facetsEl.appendChild(fs);
      any = true;
    });
    facetsEl.hidden = !any;
  }

  function pageButton(label, page, opts) {
    var b = el('button', { type: 'button', 'data-page': String(page) }, label);
    if (opts && opts.current) b.setAttribute('aria-current', 'page');
    if (opts && opts.disabled) b.disabled = true;
    if (opts && opts.aria) b.setAttribute('aria-label', opts.aria);
    b.addEventListener('click', function () {
      state.page = page;
      run(true);
      document.getElementById('results').focus({ preventScroll: true });
      window.scrollTo(0, 0);
    });
    return b;
  }

  function renderPages(res) {
    clear(pagesEl);
    var limit = res.limit || LIMIT;
    var pages = Math.ceil((res.total || 0) / limit);
    var cur = res.page || 1;
    if (pages <= 1) { pagesEl.hidden = true; return; }
    pagesEl.appendChild(pageButton('‹ Précédente', cur - 1, { disabled: cur <= 1, aria: 'Page précédente' }));
    var last = 0;
    for (var p = 1; p <= pages; p++) {
      if (p !== 1 && p !== pages && Math.abs(p - cur) > 2) continue;
      if (last && p - last > 1) pagesEl.appendChild(el('span', { 'class': 'gap', 'aria-hidden': 'true' }, '…'));
      pagesEl.appendChild(pageButton(String(p), p, { current: p === cur, aria: 'Page ' + p }));
      last = p;
    }
    pagesEl.appendChild(pageButton('Suivante ›', cur + 1, { disabled: cur >= pages, aria: 'Page suivante' }));
    pagesEl.hidden = false;
  }

  function render(res) {
    var total = res.total || 0;
    var n = (res.hits || []).length;
    if (!total) setStatus('Aucun résultat pour « ' + state.q + ' ».');
    else {
      var first = ((res.page || 1) - 1) * (res.limit || LIMIT) + 1;
      setStatus(total + (total > 1 ? ' résultats' : ' résultat') +
                (n ? ' — ' + first + ' à ' + (first + n - 1) : '') +
                (typeof res.took_ms === 'number' ? ' (' + res.took_ms.toFixed(1) + ' ms)' : ''));
    }
    if (typeof res.suggestion === 'string' && res.suggestion) {
      dymButton.textContent = res.suggestion;
      dym.hidden = false;
    } else dym.hidden = true;
    relaxedEl.hidden = !res.relaxed;
    renderHits(res);
    renderFacets(res);
    renderPages(res);
    /* What the list shows now, for scripts and tests that wait for an answer. */
    list.setAttribute('data-query', state.q);
    list.setAttribute('data-page', String(res.page || 1));
  }

  function run(now) {
    clearTimeout(timer);
    if (!now) { timer = setTimeout(function () { run(true); }, DEBOUNCE_MS); return; }
    syncUrl();
    if (!state.q.trim()) {
      if (controller) controller.abort();
      resetResults();
      setStatus('');
      return;
    }
    var mine = ++seq;
    if (controller) controller.abort();
    controller = typeof AbortController === 'function' ? new AbortController() : null;
    fetch('/search?' + apiParams().toString(), { signal: controller ? controller.signal : undefined,
                                                 headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (r) {
        if (mine !== seq) return; /* a newer search has started */
        if (!r.ok) {
          resetResults();
          var msg = r.body && r.body.error && r.body.error.message;
          setStatus(msg ? String(msg) : 'La recherche a échoué.', true);
          return;
        }
        render(r.body);
      })
      .catch(function (e) {
        if (e && e.name === 'AbortError') return;
        if (mine !== seq) return;
        setStatus('Le service de recherche ne répond pas ; réessayez dans un instant.', true);
      });
  }

  input.addEventListener('input', function () {
    state.q = input.value;
    state.page = 1;
    run(false);
  });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    state.q = input.value;
    state.page = 1;
    run(true);
  });

  dymButton.addEventListener('click', function () {
    input.value = dymButton.textContent;
    state.q = input.value;
    state.page = 1;
    run(true);
    input.focus();
  });

  /* Keyboard: Down from the box walks the result titles, Up walks back to the box, Escape
   * returns to it (and clears it when already there). */
  function links() {
    return Array.prototype.slice.call(list.querySelectorAll('a[data-hit]'));
  }

  input.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown') {
      var l = links();
      if (l.length) { e.preventDefault(); l[0].focus(); }
    } else if (e.key === 'Escape' && input.value) {
      input.value = '';
      state.q = '';
      run(true);
    }
  });

  list.addEventListener('keydown', function (e) {
    var l = links();
    var i = l.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === 'ArrowDown' && i + 1 < l.length) { e.preventDefault(); l[i + 1].focus(); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); (i > 0 ? l[i - 1] : input).focus(); }
    else if (e.key === 'Escape') { e.preventDefault(); input.focus(); }
  });

  readUrl();
  input.value = state.q;
  if (state.q) run(true);
  input.focus();
})();
