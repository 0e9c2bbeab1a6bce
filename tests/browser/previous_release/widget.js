// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  var d = document, html = d.documentElement, body = d.body;
  var origin = html.dataset.parentOrigin;
  var framed = !!origin && window.parent !== window;

  // To the embedding page's exact origin only (never "*"); no personal data.
  function post(msg) {
    if (framed) try { window.parent.postMessage(msg, origin); } catch (e) { /* wrong origin */ }
  }
  function event(name) { post({ type: 'valuation-widget:event', name: name }); }

  // 1. Height, so the iframe can fit its content.
  var lastHeight = 0, queued = false;
  function sendHeight() {
    queued = false;
    var h = Math.ceil(body.getBoundingClientRect().height);
    if (h !== lastHeight) { lastHeight = h; post({ type: 'valuation-widget:height', height: h }); }
  }
  function queueHeight() {
    if (!queued) { queued = true; requestAnimationFrame(sendHeight); }
  }
  if (framed) {
    window.addEventListener('load', sendHeight);
    window.addEventListener('resize', queueHeight);
    if (window.ResizeObserver) new ResizeObserver(queueHeight).observe(body);
    sendHeight();
  }

  // 2. Page events.
  var page = body.dataset.page;
  if (page === 'estimate') event('estimate_shown');
  if (page === 'no-estimate') event('no_estimate_shown');

  // 3. The form: started/submitted events and a double-submit guard.
  var button = d.querySelector('[data-prevent-double-click]');
  var form = button && button.form;
  if (form) {
    var started = false, busy = false, timer;
    var start = function () {
      if (!started) { started = true; event('form_started'); }
    };
    form.addEventListener('input', start);
    form.addEventListener('change', start);
    form.addEventListener('submit', function (e) {
      if (busy) { e.preventDefault(); return; }
      busy = true;
      button.setAttribute('aria-disabled', 'true');
      event('form_submitted');
      timer = setTimeout(release, 10000);
    });
    var release = function () {
      busy = false;
      clearTimeout(timer);
      button.removeAttribute('aria-disabled');
    };
    // Restored from the back-forward cache: allow sending again.
    window.addEventListener('pageshow', function (e) { if (e.persisted) release(); });
  }

  // 4. Availability: a live count, and no more than the maximum.
  var av = d.querySelector('[data-max]');
  if (av) {
    var max = parseInt(av.dataset.max, 10) || 0;
    var boxes = av.querySelectorAll('input[type=checkbox]');
    var status = av.querySelector('[aria-live]');
    var count = function () {
      var n = 0, i;
      for (i = 0; i < boxes.length; i++) if (boxes[i].checked) n++;
      if (status) {
        status.textContent = 'You have chosen ' + n + ' of up to ' + max + ' times' +
          (n >= max ? '. To choose a different time, untick one first.' : '');
      }
      for (i = 0; i < boxes.length; i++) if (!boxes[i].checked) boxes[i].disabled = n >= max;
    };
    av.addEventListener('change', count);
    if (max) count();
  }

  // 5. Error summary: focused on load; links focus the field, showing its label/legend.
  var summary = d.querySelector('.error-summary');
  if (summary) {
    summary.focus();
    summary.addEventListener('click', function (e) {
      var link = e.target.closest('a[href^="#"]');
      var input = link && d.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!input) return;
      e.preventDefault();
      var group = input.closest('.f') || input;
      group.scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  // 6. Pending page: poll every 3 s for about 3 minutes.
  var poll = d.querySelector('[data-poll]');
  if (poll && poll.dataset.poll && window.fetch) {
    var note = d.querySelector('[data-auto]');
    var again = d.querySelector('[data-check]');
    var tries = 0;
    if (note) note.hidden = false;
    var check = function () {
      tries++;
      fetch(poll.dataset.poll, { headers: { Accept: 'application/json' }, cache: 'no-store' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (j && j.state && j.state !== 'pending') {
            if (again) location.replace(again.href); else location.reload();
          } else next();
        }, next);
    };
    var next = function () {
      if (tries < 60) setTimeout(check, 3000);
      else if (note) note.textContent = ' This page has stopped checking: select \u2018Check again\u2019 to see your valuation.';
    };
    setTimeout(check, 3000);
  }

  // 7. Print buttons exist only with JavaScript.
  var prints = d.querySelectorAll('[data-print]');
  for (var i = 0; i < prints.length; i++) {
    prints[i].hidden = false;
    prints[i].addEventListener('click', function () { window.print(); });
  }
})();
