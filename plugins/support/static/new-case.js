// plugins/support/static/new-case.js - knowledge suggestions while the
// subject of a new case is typed, and deflection reporting: opening a
// suggested article is reported once per form (POST /support/deflection
// with the X-CSRF-Token header). Files chosen on the form go with the
// form itself (multipart, streamed to disk on the server), with or
// without this script.
(function () {
  var form = document.getElementById('sup-new-form');
  var subject = document.getElementById('sup-subject');
  var box = document.getElementById('sup-suggest');
  if (!form || !subject || !box) return;
  var list = box.querySelector('ul');
  var csrf = form.querySelector('input[name=_csrf]').value;
  var formId = form.querySelector('input[name=form_id]').value;
  var timer = null, last = '', reported = false;
  function show(articles) {
    list.textContent = '';
    articles.forEach(function (a) {
      var li = document.createElement('li');
      var link = document.createElement('a');
      link.href = a.url; link.textContent = a.title; link.target = '_blank'; link.rel = 'noopener';
      link.className = 'sup-suggest-link';
      link.addEventListener('click', function () {
        if (reported) return;
        reported = true;
        fetch('/support/deflection', { method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: JSON.stringify({ form: formId, event: 'opened' }) });
      });
      li.appendChild(link);
      if (a.snippet) { var p = document.createElement('p'); p.className = 'pt-small pt-muted'; p.textContent = a.snippet; li.appendChild(p); }
      list.appendChild(li);
    });
    box.hidden = articles.length === 0;
  }
  subject.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = subject.value.trim();
      if (q === last || q.length < 3) return;
      last = q;
      fetch('/support/suggest?q=' + encodeURIComponent(q), { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (j) { show(j.articles || []); })
        .catch(function () {});
    }, 250);
  });
}());
