/*
 * artisearch widget: one script tag turns every <input data-artisearch> of a page on
 * another site into a search box with a dropdown of results from artisearchd.
 *
 *   <input type="search" data-artisearch placeholder="Rechercher">
 *   <script src="https://recherche.example.fr/widget.js" defer></script>
 *
 * The daemon is the one that served this script (or the URL given as the attribute's
 * value: data-artisearch="https://recherche.example.fr/"); it must list the site's
 * origin with --cors-origin. Optional attributes: data-artisearch-limit (results shown,
 * default 6), data-artisearch-type (restrict to one type).
 *
 * Every string from a document is inserted as text, never as HTML; snippets are rebuilt
 * as text nodes and <mark> elements (see snippetNodes). unescapeHtml and snippetNodes
 * repeat app.js's on purpose: another site loads this one file alone, and the project
 * has no bundling step to share them.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var defaultBase = script && script.src ? new URL('.', script.src).href : location.origin + '/';
  var DEBOUNCE_MS = 150;
  var uid = 0;

  var CSS =
    '.artisearch-box{position:absolute;z-index:2147483000;background:#fff;color:#1d1d1f;border:1px solid #c9c9d3;' +
    'border-radius:.5rem;box-shadow:0 8px 24px rgba(0,0,0,.15);max-height:70vh;overflow:auto;margin:0;padding:.25rem 0;' +
    'list-style:none;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;text-align:left}' +
    '.artisearch-box[hidden]{display:none}' +
    '.artisearch-opt{padding:.5rem .75rem;cursor:pointer}' +
    '.artisearch-opt[aria-selected=true],.artisearch-opt:hover{background:#eef3fb}' +
    '.artisearch-title{display:block;font-weight:600;color:#0b4ea2}' +
    '.artisearch-meta{display:block;font-size:.8em;color:#5b5b66}' +
    '.artisearch-snippet{display:block;font-size:.88em;overflow-wrap:anywhere}' +
    '.artisearch-snippet mark{background:#ffe58a;color:inherit}' +
    '.artisearch-note{padding:.5rem .75rem;color:#5b5b66;font-size:.9em}' +
    '.artisearch-all{border-top:1px solid #e4e4ea;font-weight:600;color:#0b4ea2}';

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

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

  function snippetNodes(snippet) {
    var frag = document.createDocumentFragment();
    var parts = String(snippet || '').split(/(<mark>|<\/mark>)/);
    var inMark = false;
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i];
      if (p === '<mark>') { inMark = true; continue; }
      if (p === '</mark>') { inMark = false; continue; }
      if (!p) continue;
      if (inMark) frag.appendChild(el('mark', null, unescapeHtml(p)));
      else frag.appendChild(document.createTextNode(unescapeHtml(p)));
    }
    return frag;
  }

  function docHref(base, hit) {
    if (typeof hit.url === 'string' && /^https?:\/\/[^\s]+$/i.test(hit.url)) return hit.url;
    return base + 'documents/' + String(hit.id || '').split('/').map(encodeURIComponent).join('/');
  }

  function setup(input) {
    if (input.getAttribute('data-artisearch-ready')) return;
    input.setAttribute('data-artisearch-ready', '1');
    var attr = input.getAttribute('data-artisearch');
    var base = attr && /^https?:\/\//i.test(attr) ? attr.replace(/\/*$/, '/') : defaultBase;
    var limit = Math.min(20, Math.max(1, parseInt(input.getAttribute('data-artisearch-limit') || '6', 10) || 6));
    var type = input.getAttribute('data-artisearch-type') || '';
    var id = 'artisearch-list-' + (++uid);
    var box = el('ul', 'artisearch-box');
    var options = [];
    var active = -1;
    var timer = 0;
    var seq = 0;

    box.id = id;
    box.setAttribute('role', 'listbox');
    box.setAttribute('aria-label', 'Résultats de recherche');
    box.hidden = true;
    document.body.appendChild(box);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', id);
    input.setAttribute('autocomplete', 'off');

    function place() {
      var r = input.getBoundingClientRect();
      box.style.left = (r.left + window.scrollX) + 'px';
      box.style.top = (r.bottom + window.scrollY + 4) + 'px';
      box.style.width = Math.max(r.width, Math.min(420, window.innerWidth - r.left - 8)) + 'px';
    }

    function close() {
      box.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function open() {
      place();
      box.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }

    function select(i) {
      if (active >= 0 && options[active]) options[active].node.setAttribute('aria-selected', 'false');
      active = i;
      if (i >= 0 && options[i]) {
        options[i].node.setAttribute('aria-selected', 'true');
        input.setAttribute('aria-activedescendant', options[i].node.id);
        options[i].node.scrollIntoView({ block: 'nearest' });
      } else input.removeAttribute('aria-activedescendant');
    }

    function choose(i) {
      var o = options[i];
      if (!o) return;
      if (o.query) {
        input.value = o.query;
        search(true);
        input.focus();
      } else if (o.href) window.location.href = o.href;
    }

    function addOption(node, action) {
      node.id = id + '-' + options.length;
      node.setAttribute('role', 'option');
      node.setAttribute('aria-selected', 'false');
      var index = options.length;
      node.addEventListener('mousedown', function (e) { e.preventDefault(); });
      node.addEventListener('click', function () { choose(index); });
      action.node = node;
      options.push(action);
      box.appendChild(node);
    }

    function note(text) {
      var li = el('li', 'artisearch-note', text);
      li.setAttribute('role', 'presentation');
      box.appendChild(li);
    }

    function render(res, q) {
      while (box.firstChild) box.removeChild(box.firstChild);
      options = [];
      active = -1;
      if (typeof res.suggestion === 'string' && res.suggestion) {
        var s = el('li', 'artisearch-opt');
        s.appendChild(document.createTextNode('Vouliez-vous dire '));
        s.appendChild(el('strong', null, res.suggestion));
        s.appendChild(document.createTextNode(' ?'));
        addOption(s, { query: res.suggestion });
      }
      if (res.relaxed) note('Aucun document ne contient tous les mots ; les plus proches :');
      (res.hits || []).forEach(function (hit) {
        var li = el('li', 'artisearch-opt');
        li.appendChild(el('span', 'artisearch-title', hit.title || hit.id || 'Sans titre'));
        var meta = [hit.type, hit.date].filter(function (x) { return typeof x === 'string' && x; }).join(' · ');
        if (meta) li.appendChild(el('span', 'artisearch-meta', meta));
        if (hit.snippet) {
          var sn = el('span', 'artisearch-snippet');
          sn.appendChild(snippetNodes(hit.snippet));
          li.appendChild(sn);
        }
        addOption(li, { href: docHref(base, hit) });
      });
      if (!(res.hits || []).length && !res.suggestion) note('Aucun résultat.');
      if ((res.total || 0) > (res.hits || []).length) {
        addOption(el('li', 'artisearch-opt artisearch-all', 'Voir les ' + res.total + ' résultats'),
                  { href: base + '?q=' + encodeURIComponent(q) });
      }
      open();
    }

    function search(now) {
      clearTimeout(timer);
      if (!now) { timer = setTimeout(function () { search(true); }, DEBOUNCE_MS); return; }
      var q = input.value;
      var mine = ++seq;
      if (!q.trim()) { close(); return; }
      var p = new URLSearchParams();
      p.set('q', q);
      p.set('limit', String(limit));
      if (type) p.set('type', type);
      fetch(base + 'search?' + p.toString(), { mode: 'cors', credentials: 'omit' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (res) {
          if (mine !== seq) return;
          if (res) render(res, q);
          else close();
        })
        .catch(function () { if (mine === seq) close(); });
    }

    input.addEventListener('input', function () { search(false); });
    input.addEventListener('focus', function () { if (box.firstChild && input.value.trim()) open(); });
    input.addEventListener('blur', function () { setTimeout(close, 150); });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        if (box.hidden && box.firstChild) open();
        select(Math.min(options.length - 1, active + 1));
      } else if (e.key === 'ArrowUp') {
        e.preventDefault();
        select(active - 1);
      } else if (e.key === 'Enter') {
        if (active >= 0) { e.preventDefault(); choose(active); }
      } else if (e.key === 'Escape') {
        close();
      }
    });
    window.addEventListener('resize', function () { if (!box.hidden) place(); });
  }

  function init() {
    if (!document.getElementById('artisearch-style')) {
      var style = document.createElement('style');
      style.id = 'artisearch-style';
      style.textContent = CSS;
      document.head.appendChild(style);
    }
    Array.prototype.forEach.call(document.querySelectorAll('input[data-artisearch]'), setup);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
