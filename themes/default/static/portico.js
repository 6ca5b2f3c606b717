/*
 * portico.js - small progressive enhancement for the default theme.
 * Every page works without it: the nav is a scrollable strip, the user
 * menu is a <details>, forms post normally. With it:
 *  - phones get a Menu button that collapses the navigation;
 *  - forms with data-confirm="Question?" ask before submitting;
 *  - the user menu closes on Escape or a click outside.
 * Loaded with `defer` from /static/theme/ (CSP script-src 'self'; no inline code).
 */
(function () {
  'use strict';
  var doc = document.documentElement;
  doc.classList.add('pt-js');

  var toggle = document.querySelector('.pt-nav-toggle');
  var nav = document.getElementById('pt-nav');
  if (toggle && nav && nav.querySelector('a')) {
    toggle.hidden = false;
    toggle.addEventListener('click', function () {
      var open = nav.classList.toggle('is-open');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) {
        var first = nav.querySelector('a');
        if (first) first.focus();
      }
    });
    nav.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && nav.classList.contains('is-open')) {
        nav.classList.remove('is-open');
        toggle.setAttribute('aria-expanded', 'false');
        toggle.focus();
      }
    });
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    var question = form && form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) e.preventDefault();
  }, true);

  var menus = document.querySelectorAll('details.pt-menu');
  function closeMenus(except) {
    for (var i = 0; i < menus.length; i++) if (menus[i] !== except) menus[i].open = false;
  }
  document.addEventListener('click', function (e) {
    var inside = e.target.closest ? e.target.closest('details.pt-menu') : null;
    closeMenus(inside);
  });
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') return;
    for (var i = 0; i < menus.length; i++) {
      if (menus[i].open) {
        menus[i].open = false;
        menus[i].querySelector('summary').focus();
      }
    }
  });
})();
