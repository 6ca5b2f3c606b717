/*
 * kb.js - progressive enhancement for the knowledge pages (served from
 * /static/plugins/knowledge/, CSP script-src 'self', no inline code):
 *  - search as you type: any input[data-kb-suggest] shows the best matches
 *    below it while typing (GET /api/v1/articles?q=...); without JS the
 *    form submits to /knowledge/search;
 *  - live Markdown preview: textarea[data-kb-preview] posts its text to
 *    /api/v1/articles/preview (with the form's CSRF token) and shows the
 *    rendered HTML (made by cmark-gfm with raw HTML off) in the target.
 */
(function () {
  'use strict';
  var seq = 0;

  function debounce(fn, ms) {
    var t = null;
    return function () {
      var args = arguments;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function setupSuggest(input) {
    var id = 'kb-suggest-' + (++seq);
    var box = document.createElement('ul');
    box.id = id;
    box.className = 'pt-list kb-suggest';
    box.setAttribute('aria-live', 'polite');
    box.hidden = true;
    var form = input.form || input.parentNode;
    form.parentNode.insertBefore(box, form.nextSibling);
    input.setAttribute('aria-controls', id);
    var last = '';
    var pending = null;

    function render(items) {
      box.textContent = '';
      items.forEach(function (it) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = it.url;
        a.textContent = it.title;
        li.appendChild(a);
        if (it.snippet) {
          var p = document.createElement('p');
          p.className = 'pt-small pt-muted';
          p.innerHTML = it.snippet; /* escaped by the server, only <mark> added */
          li.appendChild(p);
        }
        box.appendChild(li);
      });
      box.hidden = items.length === 0;
    }

    var run = debounce(function () {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (q.length < 2) { render([]); return; }
      if (pending) pending.abort();
      pending = new AbortController();
      fetch('/api/v1/articles?per_page=6&q=' + encodeURIComponent(input.value),
            { headers: { Accept: 'application/json' }, credentials: 'same-origin', signal: pending.signal })
        .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
        .then(function (j) { if (input.value.trim() === q) render(j.articles || []); })
        .catch(function () { /* aborted or offline: keep the form */ });
    }, 120);

    input.addEventListener('input', run);
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { render([]); }
    });
  }

  function setupPreview(ta) {
    var target = document.getElementById(ta.getAttribute('data-kb-preview'));
    var tok = ta.form && ta.form.querySelector('input[name=_csrf]');
    if (!target || !tok) return;
    var run = debounce(function () {
      fetch('/api/v1/articles/preview', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': tok.value },
        body: JSON.stringify({ body: ta.value })
      }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) { if (j) target.innerHTML = j.html; })
        .catch(function () {});
    }, 300);
    ta.addEventListener('input', run);
  }

  Array.prototype.forEach.call(document.querySelectorAll('input[data-kb-suggest]'), setupSuggest);
  Array.prototype.forEach.call(document.querySelectorAll('textarea[data-kb-preview]'), setupPreview);
})();
