/* Instant valuation widget loader; /w/ID/embed gives the snippet:
 *   <div data-widget="ID"><a href="https://WIDGET-HOST/w/ID">Get an instant valuation</a></div>
 *   <script src="https://WIDGET-HOST/embed.js" async></script>
 * One rule for placement: every element but a script with data-widget="ID" is a target and gets
 * its own form in place of its content, also when added later. A script with data-widget="ID"
 * adds a target right after itself (once the page is parsed, if it is in the body) only when the
 * page has none for ID. Options, on the target else the script: data-title, data-min-height.
 * By hand: ValuationWidget.mount(el), .unmount(el). A refused or silent frame gives the target
 * its content (the link) back. Plain ES2017, no cookies, nothing personal in any message. */
(function () {
  'use strict';
  var d = document, w = window, script = d.currentScript;
  var UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
  var KEY = 'valuation-widget:utm', MAX_HEIGHT = 20000;
  var PATIENCE = 4000; // ms from the frame's first load for its page to report in
  if (!script) return;
  var base = new URL(script.src, location.href), origin = base.origin;

  // First-touch campaign: this page's UTMs if it has any, else the first ones of this visit.
  function campaign() {
    var here = new URLSearchParams(location.search), found = {}, any = false;
    UTM.forEach(function (k) {
      var v = here.get(k);
      if (v) { found[k] = v.slice(0, 500); any = true; }
    });
    var stored = null;
    try { stored = JSON.parse(w.sessionStorage.getItem(KEY) || 'null'); } catch (e) { /* blocked */ }
    if (any && !stored) {
      try { w.sessionStorage.setItem(KEY, JSON.stringify(found)); } catch (e) { /* blocked */ }
    }
    return any ? found : (stored && typeof stored === 'object' ? stored : {});
  }
  var utms = campaign();

  // A second loader on the page (site-wide line and snippet) leaves the work to the first.
  var api = w.ValuationWidget;
  if (api && api.origin === origin) return parsed(function () { place(api.mount); });

  var frames = [];
  function opt(el, name, fallback) {
    return el.getAttribute('data-' + name) || script.getAttribute('data-' + name) || fallback;
  }
  function held(el) {
    return frames.filter(function (x) { return x.box === el; })[0];
  }

  function mount(box) {
    var x = held(box);
    if (x) return x.frame;
    var host = location.href.split('#')[0];
    if (host.length > 2000) host = host.split('?')[0].slice(0, 2000);
    var q = new URLSearchParams({ host: host });
    UTM.forEach(function (k) {
      if (typeof utms[k] === 'string') q.set(k, utms[k].slice(0, 500));
    });
    var f = d.createElement('iframe');
    x = { frame: f, box: box, id: box.getAttribute('data-widget') || 'default',
      min: Math.max(0, parseInt(opt(box, 'min-height', '0'), 10) || 0),
      kept: [].slice.call(box.childNodes) };
    f.loading = 'lazy';
    f.title = opt(box, 'title', 'Instant valuation');
    f.src = new URL('w/' + encodeURIComponent(x.id) + '?' + q, base).href;
    f.setAttribute('width', '100%');
    f.style.cssText = 'display:block;width:100%;min-width:100%;border:0;overflow:hidden;' +
      'height:' + Math.max(x.min, 320) + 'px';
    f.onload = function () { loaded(x); };
    frames.push(x);
    box.setAttribute('data-vw', 'on');
    x.kept.forEach(function (n) { n.remove(); });
    box.appendChild(f);
    return f;
  }

  // The target gets its own content back. `mark` keeps the observer off it ("off" by hand,
  // "link" when the frame failed); without one, a removed target that comes back is mounted.
  function unmount(box, mark) {
    var x = held(box);
    if (!x) return;
    frames.splice(frames.indexOf(x), 1);
    clearTimeout(x.timer);
    if (x.port) x.port.close();
    x.frame.remove();
    if (mark === 'link' && !x.kept.length) {
      var a = x.kept[0] = d.createElement('a');
      a.href = x.frame.src;
      a.textContent = 'Get an instant valuation';
    }
    x.kept.forEach(function (n) { box.appendChild(n); });
    if (mark) box.setAttribute('data-vw', mark); else box.removeAttribute('data-vw');
  }

  // A private channel: a port posted into our own iframe at the widget's exact origin, which
  // no other script here can intercept or fake, on the page's "hello" and on each load (some
  // sites swallow window messages). The page sends on the newest port; older ones stay open
  // so nothing already sent on them is lost.
  function offer(x) {
    var c = new MessageChannel();
    x.port = c.port1;
    c.port1.onmessage = function (e) { heard(x, e.data, e.target); };
    x.frame.contentWindow.postMessage({ type: 'valuation-widget:port' }, origin, [c.port2]);
  }

  function loaded(x) {
    try {
      if (x.frame.contentWindow.location.href === 'about:blank') return;
    } catch (e) { /* another origin: the widget, or the browser's error page */ }
    offer(x);
    if (!x.ok && !x.timer) x.timer = setTimeout(function () { unmount(x.box, 'link'); }, PATIENCE);
  }

  function heard(x, m, port) {
    if (!m || typeof m !== 'object') return;
    if (typeof m.height === 'number' && isFinite(m.height)) {
      x.frame.style.height = Math.min(MAX_HEIGHT, Math.max(x.min, Math.ceil(m.height))) + 'px';
    }
    if (m.type === 'ready') {
      x.ok = true;
      clearTimeout(x.timer);
      // Only a page the homeowner asked for by pressing something in the frame ("leaving"
      // came first) is brought into view: never the first page, nor one after a reload.
      if (x.pressed) {
        x.pressed = false;
        reveal(x.frame, m.top);
        port.postMessage({ type: 'arrived' });
      }
    } else if (m.type === 'leaving') {
      x.pressed = true;
    } else if (m.type === 'event' && /^[a-z_]{1,40}$/.test(m.name)) {
      x.box.dispatchEvent(new CustomEvent('valuation-widget:' + m.name,
        { bubbles: true, detail: { widget: x.id } }));
      if (Array.isArray(w.dataLayer)) w.dataLayer.push({ event: 'valuation_widget_' + m.name, widget: x.id });
    }
  }

  // Scrolls to the frame's top unless it and its first `top` px are already in view.
  function reveal(f, top) {
    var r = f.getBoundingClientRect(), vh = w.innerHeight;
    if (r.top >= 0 && r.top + Math.min(vh, top > 0 ? top : 0) <= vh) return;
    var calm = w.matchMedia('(prefers-reduced-motion: reduce)').matches;
    try {
      f.scrollIntoView({ block: 'start', behavior: calm ? 'instant' : 'smooth' });
    } catch (e) { f.scrollIntoView(true); }
  }

  // Window messages from our own iframe at the exact origin prove that a page of ours is in
  // it (an older widget page too: no link then); the only one acted on is "hello".
  w.addEventListener('message', function (e) {
    if (e.origin !== origin || !e.data) return;
    frames.forEach(function (x) {
      if (x.frame.contentWindow !== e.source) return;
      x.ok = true;
      clearTimeout(x.timer);
      if (e.data.type === 'valuation-widget:hello') offer(x);
    });
  });
  // The page's CSP (frame-src) refused our frame: the link comes back at once.
  d.addEventListener('securitypolicyviolation', function (e) {
    if (String(e.blockedURI).indexOf(origin)) return;
    frames.slice().forEach(function (x) { if (!x.ok) unmount(x.box, 'link'); });
  });

  function scan() {
    frames.slice().forEach(function (x) { if (!x.box.isConnected) unmount(x.box); });
    d.querySelectorAll('[data-widget]:not(script):not([data-vw])').forEach(mount);
  }

  function place(into) {
    var id = script.getAttribute('data-widget'), box = d.createElement('div');
    if (id === null || !d.body.contains(script)) return;
    box.setAttribute('data-widget', id = id || 'default');
    var all = d.querySelectorAll('[data-widget]:not(script)');
    for (var i = 0; i < all.length; i++) {
      if ((all[i].getAttribute('data-widget') || 'default') === id) return;
    }
    ['title', 'min-height'].forEach(function (n) {
      if (script.hasAttribute('data-' + n)) box.setAttribute('data-' + n, opt(script, n));
    });
    script.after(box);
    into(box);
  }

  function parsed(then) {
    if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', then); else then();
  }

  w.ValuationWidget = { origin: origin, mount: mount, unmount: function (el) { unmount(el, 'off'); } };
  scan();
  new MutationObserver(scan).observe(d.documentElement,
    { childList: true, subtree: true, attributes: true, attributeFilter: ['data-widget'] });
  parsed(function () { place(mount); });
})();
