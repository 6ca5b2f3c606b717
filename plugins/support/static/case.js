// plugins/support/static/case.js - attach a file to a case at once: the
// chosen file is sent as the raw request body (streamed to disk on the
// server, up to 25 MB) with the X-CSRF-Token header, then the page
// reloads; and canned replies for agents. Without JavaScript the reply
// form's own file field (a multipart submit) does the job: with it, this
// script shows the instant box instead of that field.
(function () {
  // Canned replies (agents): a click puts the text into the reply box.
  var body = document.getElementById('sup-body');
  Array.prototype.forEach.call(document.querySelectorAll('.sup-canned'), function (b) {
    b.addEventListener('click', function () {
      if (!body) return;
      body.value = body.value ? body.value + '\n\n' + b.dataset.body : b.dataset.body;
      body.focus();
    });
  });
  var box = document.getElementById('sup-attach');
  var input = document.getElementById('sup-file');
  if (!box || !input) return;
  box.hidden = false;
  var field = document.getElementById('sup-reply-files-field');
  if (field) field.hidden = true;
  input.addEventListener('change', function () {
    var f = input.files && input.files[0];
    if (!f) return;
    fetch('/api/v1/cases/' + encodeURIComponent(box.dataset.number) + '/attachments?filename=' +
          encodeURIComponent(f.name), { method: 'POST', credentials: 'same-origin', body: f,
      headers: { 'X-CSRF-Token': box.dataset.csrf, 'Content-Type': 'application/octet-stream' } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (res.ok) { window.location.reload(); return; }
        var p = document.createElement('p');
        p.className = 'pt-field__error'; p.setAttribute('role', 'alert');
        p.textContent = (res.j.error && res.j.error.message) || 'Error';
        box.appendChild(p);
      });
  });
}());
