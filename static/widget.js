// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  var d = document, html = d.documentElement, body = d.body;
  var origin = html.dataset.parentOrigin;
  var framed = !!origin && window.parent !== window;

  // 1. A private channel to the loader on the embedding page. The loader posts a MessageChannel
  // port into this frame, at this origin; it is taken only from the parent window at the
  // parent's exact origin. Everything after goes over the port, so no other script on the
  // agency's page can read, block or fake it. No personal data is ever sent.
  var port = null, outbox = [], lastHeight = 0, queued = false;
  function post(msg) {
    if (port) port.postMessage(msg);
    else if (framed) { outbox.push(msg); legacy(msg); }
  }
  // Until a port arrives, also as window messages for the loader before this one, which
  // agencies' visitors may keep cached for a day; the current loader does not obey them.
  function legacy(msg) {
    try {
      window.parent.postMessage({ type: 'valuation-widget:' + msg.type, height: msg.height,
        name: msg.name }, origin);
    } catch (e) { /* wrong origin */ }
  }
  function event(name) { post({ type: 'event', name: name }); }
  // The loader remembers that the homeowner pressed something here, and so brings the next
  // page into view. The loader outlives this page and needs no storage (often blocked in
  // third-party frames) and no server mark; a first load or a reload is never moved.
  function leaving() { if (port) port.postMessage({ type: 'leaving' }); }

  // What the homeowner should see first: the error summary, else the page's heading.
  function landmark() { return d.querySelector('.error-summary') || d.querySelector('main h1'); }
  function arrived() {
    var el = landmark();
    if (!el) return;
    if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
    el.focus({ preventScroll: true });
  }

  // 2. Height, so the iframe can fit its content.
  function measure() { return Math.ceil(body.getBoundingClientRect().height); }
  function sendHeight() {
    queued = false;
    var h = measure();
    if (framed && h !== lastHeight) {
      lastHeight = h;
      if (port) port.postMessage({ type: 'height', height: h }); else legacy({ type: 'height', height: h });
    }
  }
  function queueHeight() {
    if (!queued) { queued = true; requestAnimationFrame(sendHeight); }
  }
  if (framed) {
    window.addEventListener('message', function (e) {
      var m = e.data;
      if (e.source !== window.parent || e.origin !== origin || !e.ports[0] ||
          !m || m.type !== 'valuation-widget:port') return;
      // The newest port is used; an older one stays open for the loader's answer on it.
      port = e.ports[0];
      port.onmessage = function (e) { if (e.data && e.data.type === 'arrived') arrived(); };
      var mark = landmark();
      lastHeight = measure();
      port.postMessage({ type: 'ready', height: lastHeight,
        top: mark ? Math.ceil(mark.getBoundingClientRect().bottom) : 0 });
      outbox.splice(0).forEach(post);
    });
    window.addEventListener('resize', queueHeight);
    if (window.ResizeObserver) new ResizeObserver(queueHeight).observe(body);
    // Ask for a port now; the loader also offers one when this page's load event fires.
    try { window.parent.postMessage({ type: 'valuation-widget:hello' }, origin); } catch (e) { /* wrong origin */ }
    // Leaving by a link in this frame (not "#…", not a new window).
    d.addEventListener('click', function (e) {
      var a = e.target.closest('a[href]');
      if (a && !a.target && a.getAttribute('href').charAt(0) !== '#') leaving();
    });
  }

  // 3. Page events.
  var page = body.dataset.page;
  if (page === 'estimate') event('estimate_shown');
  if (page === 'no-estimate') event('no_estimate_shown');

  // 4. The journey's form: started/submitted events, "leaving" on every press (the next step
  // comes into view), and a double-submit guard on its main button.
  var form = d.querySelector('form[data-step]');
  var button = form && form.querySelector('[data-prevent-double-click]');
  if (form) {
    var step = form.dataset.step, busy = false, timer;
    var start = function () {
      form.removeEventListener('input', start);
      form.removeEventListener('change', start);
      event('form_started');
    };
    if (step === 'postcode') {
      form.addEventListener('input', start);
      form.addEventListener('change', start);
    }
    form.addEventListener('submit', function (e) {
      if (busy) { e.preventDefault(); return; }
      busy = true;
      if (button) button.setAttribute('aria-disabled', 'true');
      var by = e.submitter;
      if (step === 'details' && !(by && by.name === 'go')) event('form_submitted');
      leaving();
      timer = setTimeout(release, 10000);
    });
    var release = function () {
      busy = false;
      clearTimeout(timer);
      if (button) button.removeAttribute('aria-disabled');
    };
    // Restored from the back-forward cache: allow sending again.
    window.addEventListener('pageshow', function (e) { if (e.persisted) release(); });
  }

  // 5. Availability: a live count, and no more than the maximum.
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

  // 6. Error summary: focused on load (in a frame the loader scrolls, not the focus); links focus
  // the field, showing its label/legend.
  var summary = d.querySelector('.error-summary');
  if (summary) {
    summary.focus({ preventScroll: framed });
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

  // 7. Pending page: poll every 3 s for about 3 minutes.
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
            leaving();
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

  // 8. Print buttons exist only with JavaScript.
  var prints = d.querySelectorAll('[data-print]');
  for (var i = 0; i < prints.length; i++) {
    prints[i].hidden = false;
    prints[i].addEventListener('click', function () { window.print(); });
  }
})();
