/* Instant valuation widget loader. Paste where the widget should appear:
 *   <script src="https://WIDGET-HOST/embed.js" data-widget="ID" async></script>
 * or put <div data-widget="ID"></div> where it should appear and the script (without
 * data-widget) anywhere, e.g. on every page of the site: there it only records the campaign.
 * Options (on the script or the target): data-title, data-min-height.
 * Plain ES2017, no build step, no cookies, nothing personal in any event. */
(function () {
  'use strict';
  var d = document, w = window;
  var UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
  var KEY = 'valuation-widget:utm';
  var MAX_HEIGHT = 20000;

  var script = d.currentScript || (function () {
    // Old browsers: the last loader not yet run.
    var all = d.querySelectorAll('script[src*="embed.js"]:not([data-vw-ran])');
    return all[all.length - 1];
  })();
  if (!script) return;
  script.setAttribute('data-vw-ran', '');
  var base = new URL(script.src, location.href);
  var origin = base.origin;

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

  function opt(el, name, fallback) {
    return el.getAttribute('data-' + name) || script.getAttribute('data-' + name) || fallback;
  }

  function mount(box, id) {
    box.setAttribute('data-vw-mounted', '');
    var host = location.href.split('#')[0];
    if (host.length > 2000) host = host.split('?')[0].slice(0, 2000);
    var q = new URLSearchParams({ host: host });
    UTM.forEach(function (k) {
      if (typeof utms[k] === 'string') q.set(k, utms[k].slice(0, 500));
    });
    var min = Math.max(0, parseInt(opt(box, 'min-height', '0'), 10) || 0);
    var f = d.createElement('iframe');
    f.loading = 'lazy';
    f.title = opt(box, 'title', 'Instant valuation');
    f.src = new URL('w/' + encodeURIComponent(id) + '?' + q, base).href;
    f.setAttribute('width', '100%');
    f.style.cssText = 'display:block;width:100%;min-width:100%;border:0;overflow:hidden;' +
      'height:' + Math.max(min, 320) + 'px';
    box.appendChild(f);
    frames.push({ frame: f, box: box, id: id, min: min });
  }

  var frames = [];
  var own = script.getAttribute('data-widget');
  if (own !== null) {
    var id = own || 'default';
    var target = null;
    d.querySelectorAll('[data-widget]:not(script):not([data-vw-mounted])').forEach(function (el) {
      if (!target && (el.getAttribute('data-widget') || 'default') === id) target = el;
    });
    if (!target) {
      target = d.createElement('div');
      target.setAttribute('data-widget', id);
      script.parentNode.insertBefore(target, script.nextSibling);
    }
    mount(target, id);
  } else {
    d.querySelectorAll('[data-widget]:not(script):not([data-vw-mounted])').forEach(function (el) {
      mount(el, el.getAttribute('data-widget') || 'default');
    });
  }
  if (!frames.length) return;

  // Only our own iframes, from the widget's exact origin, are listened to.
  w.addEventListener('message', function (e) {
    if (e.origin !== origin) return;
    var m = e.data, hit = null;
    frames.forEach(function (x) { if (x.frame.contentWindow === e.source) hit = x; });
    if (!hit || !m || typeof m !== 'object') return;
    if (m.type === 'valuation-widget:height' && typeof m.height === 'number' && isFinite(m.height)) {
      var h = Math.min(MAX_HEIGHT, Math.max(hit.min, Math.ceil(m.height)));
      hit.frame.style.height = h + 'px';
    } else if (m.type === 'valuation-widget:event' && /^[a-z_]{1,40}$/.test(m.name)) {
      hit.box.dispatchEvent(new CustomEvent('valuation-widget:' + m.name,
        { bubbles: true, detail: { widget: hit.id } }));
      if (Array.isArray(w.dataLayer)) w.dataLayer.push({ event: 'valuation_widget_' + m.name, widget: hit.id });
    }
  });
})();
