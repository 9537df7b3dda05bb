// Patrol console: progressive enhancement only (every page works without it). Live logs over the
// API's SSE stream with a bounded number of lines in the page, a status/graph refresh for active
// runs, local times, confirmations, and the credential form's fields per type.
'use strict';

(function () {
  var pad = function (n) { return (n < 10 ? '0' : '') + n; };
  function localTime(d) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  // Times are rendered in UTC; show them in the browser's time zone (UTC stays in the tooltip).
  function localTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (isNaN(d.getTime()) || t.dataset.local) return;
      t.title = t.textContent;
      t.textContent = localTime(d);
      t.dataset.local = '1';
    });
  }

  // Destructive buttons ask first (delegated: refreshed regions keep working).
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var msg = form && form.getAttribute && form.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  function credentialForm() {
    var select = document.querySelector('select[data-credential-type]');
    if (!select) return;
    var apply = function () {
      select.form.querySelectorAll('[data-types]').forEach(function (el) {
        el.hidden = el.getAttribute('data-types').split(' ').indexOf(select.value) < 0;
      });
    };
    select.addEventListener('change', apply);
    apply();
  }

  // ---- live logs: at most `max` lines in the page while following, a hard cap while reading back.
  function liveLogs(box) {
    var runId = box.getAttribute('data-run');
    var max = Math.max(100, Number(box.getAttribute('data-max-lines')) || 1000);
    var hard = max * 3;
    var page = 500;
    var stepSelect = document.getElementById('log-step');
    var earlierButton = document.getElementById('log-earlier');
    var latestButton = document.getElementById('log-latest');
    var statusEl = document.getElementById('log-status');
    var es = null;
    var queue = [];
    var scheduled = false;
    var count = 0;
    var follow = true;
    var paused = false;
    var hidden = 0;
    var ended = null;
    var noEarlier = false;
    var loadingEarlier = false;
    var pendingGap = 0;
    var probed = false;

    function status() {
      var parts = [count + ' line' + (count === 1 ? '' : 's') + ' shown'];
      if (paused) parts.push(hidden + ' newer not shown');
      parts.push(ended ? 'run ' + ended : es ? 'live' : '');
      statusEl.textContent = parts.filter(Boolean).join(' · ');
      earlierButton.hidden = noEarlier || count === 0;
      latestButton.hidden = !paused;
      latestButton.textContent = hidden > 0 ? 'Jump to latest (' + hidden + ' new)' : 'Jump to latest';
    }

    function lineEl(l) {
      var d = document.createElement('div');
      d.className = 'ln' + (l.stream === 'stderr' ? ' err' : '');
      d.setAttribute('data-id', String(l.id));
      var ts = document.createElement('span');
      ts.className = 'ts';
      ts.textContent = localTime(new Date(l.ts)).slice(11) + ' ';
      var sp = document.createElement('span');
      sp.className = 'sp';
      sp.textContent = '[' + l.step + (l.attempt > 1 ? '#' + l.attempt : '') + '] ';
      d.appendChild(ts);
      d.appendChild(sp);
      d.appendChild(document.createTextNode(l.message));
      return d;
    }
    function firstId() { var f = box.querySelector('.ln'); return f ? Number(f.getAttribute('data-id')) : null; }
    function atBottom() { return box.scrollHeight - box.scrollTop - box.clientHeight < 30; }
    function trimTop(n) {
      var removed = 0;
      while (removed < n && box.firstChild) {
        if (box.firstChild.classList && box.firstChild.classList.contains('ln')) removed++;
        box.removeChild(box.firstChild);
      }
      while (box.firstChild && !(box.firstChild.classList && box.firstChild.classList.contains('ln'))) box.removeChild(box.firstChild);
      count -= removed;
      noEarlier = false;
    }

    function gapEl(n) {
      var d = document.createElement('div');
      d.className = 'gap';
      d.textContent = '… ' + n.toLocaleString() + ' line' + (n === 1 ? '' : 's') + ' skipped to keep up (they are stored: scroll up and show earlier lines, or download the whole log)';
      return d;
    }

    // Lines arrive in bursts: render once per frame, and never more than `max` at a time.
    function flush() {
      scheduled = false;
      if (queue.length === 0 && pendingGap === 0) return;
      var frag = document.createDocumentFragment();
      if (pendingGap > 0) frag.appendChild(gapEl(pendingGap));
      pendingGap = 0;
      queue.forEach(function (l) { frag.appendChild(lineEl(l)); });
      count += queue.length;
      queue = [];
      box.appendChild(frag);
      if (follow) {
        if (count > max) trimTop(count - max);
        box.scrollTop = box.scrollHeight;
      } else if (count > hard) {
        paused = true;
      }
      if (!probed) probeEarlier();
      status();
    }
    // Whether anything precedes the first line shown (a short log needs no "show earlier").
    function probeEarlier() {
      var before = firstId();
      if (before === null) return;
      probed = true;
      var q = new URLSearchParams({ before: String(before), limit: '1' });
      if (stepSelect && stepSelect.value) q.set('step', stepSelect.value);
      fetch('/api/v1/runs/' + encodeURIComponent(runId) + '/logs?' + q.toString(), { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : { items: [1] }; })
        .then(function (body) { if ((body.items || []).length === 0 && firstId() === before) { noEarlier = true; status(); } })
        .catch(function () { /* the button stays: it says so itself if there is nothing */ });
    }
    function schedule() {
      if (scheduled) return;
      scheduled = true;
      (window.requestAnimationFrame || setTimeout)(flush);
    }
    function take(lines) {
      if (paused) {
        hidden += lines.length;
        status();
        return;
      }
      for (var i = 0; i < lines.length; i++) queue.push(lines[i]);
      // Faster than the page can show: keep only the newest (the rest stay in the store).
      if (queue.length > max) {
        var dropped = queue.length - max;
        queue.splice(0, dropped);
        flushGap(dropped);
      }
      schedule();
    }
    function flushGap(n) {
      // Lines already shown, then the gap, then what is queued.
      var q = queue;
      queue = [];
      flush();
      pendingGap += n;
      queue = q;
    }

    function connect() {
      if (es) es.close();
      box.textContent = '';
      queue = [];
      pendingGap = 0;
      probed = false;
      count = 0;
      hidden = 0;
      paused = false;
      follow = true;
      ended = null;
      noEarlier = false;
      var q = new URLSearchParams({ tail: String(Math.min(max, page)) });
      if (stepSelect && stepSelect.value) q.set('step', stepSelect.value);
      q.set('batch', 'true');
      q.set('maxBacklog', String(max));
      es = new EventSource('/api/v1/runs/' + encodeURIComponent(runId) + '/logs/stream?' + q.toString());
      es.addEventListener('lines', function (e) { take(JSON.parse(e.data)); });
      es.addEventListener('log', function (e) { take([JSON.parse(e.data)]); });
      es.addEventListener('skipped', function (e) {
        var skip = JSON.parse(e.data);
        if (paused) { hidden += skip.count; status(); return; }
        flush();
        pendingGap += skip.count;
        schedule();
      });
      es.addEventListener('end', function (e) {
        var end = {};
        try { end = JSON.parse(e.data); } catch (_) { end = {}; }
        ended = end.status || 'ended';
        es.close();
        es = null;
        flush();
        status();
        document.dispatchEvent(new CustomEvent('patrol:run-ended'));
      });
      es.onerror = function () {
        if (es && es.readyState === EventSource.CONNECTING) statusEl.textContent = 'reconnecting…';
      };
      status();
    }

    // Older lines come from the store a page at a time, above the first line shown.
    function earlier() {
      if (loadingEarlier) return;
      var before = firstId();
      if (before === null) return;
      loadingEarlier = true;
      var q = new URLSearchParams({ before: String(before), limit: String(page) });
      if (stepSelect && stepSelect.value) q.set('step', stepSelect.value);
      fetch('/api/v1/runs/' + encodeURIComponent(runId) + '/logs?' + q.toString(), { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (body) {
          var items = body.items || [];
          if (items.length < page) noEarlier = true;
          if (items.length > 0) {
            var frag = document.createDocumentFragment();
            items.forEach(function (l) { frag.appendChild(lineEl(l)); });
            var h0 = box.scrollHeight;
            // What comes back is contiguous with the first line: gap notes above it are stale.
            while (box.firstChild && !(box.firstChild.classList && box.firstChild.classList.contains('ln'))) box.removeChild(box.firstChild);
            box.insertBefore(frag, box.firstChild);
            box.scrollTop += box.scrollHeight - h0;
            count += items.length;
            follow = false;
            if (count > hard) {
              // Reading far back: drop the newest lines and stop following.
              var lines = box.querySelectorAll('.ln');
              for (var i = lines.length - 1; i >= hard; i--) box.removeChild(lines[i]);
              count = hard;
              paused = true;
            }
          }
          status();
        })
        .catch(function (err) { statusEl.textContent = 'could not load earlier lines: ' + err.message; })
        .then(function () { loadingEarlier = false; });
    }

    box.addEventListener('scroll', function () { follow = atBottom() && !paused; });
    earlierButton.addEventListener('click', earlier);
    latestButton.addEventListener('click', connect);
    if (stepSelect) stepSelect.addEventListener('change', connect);
    window.addEventListener('pagehide', function () { if (es) es.close(); });
    connect();
  }

  // ---- an active run's page refreshes its status, actions, graph and steps from the server.
  function liveRun(root) {
    var ms = Math.max(500, Number(root.getAttribute('data-refresh-ms')) || 2000);
    var timer = null;
    var busy = false;
    function openDetails(region) {
      var open = {};
      region.querySelectorAll('details').forEach(function (d, i) { if (d.open) open[i] = true; });
      return open;
    }
    function refresh() {
      if (busy) return;
      busy = true;
      fetch(location.pathname + location.search, { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (res) {
          if (!res.ok || new URL(res.url).pathname !== location.pathname) throw new Error('stop');
          return res.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          document.querySelectorAll('[data-live]').forEach(function (el) {
            var fresh = el.id ? doc.getElementById(el.id) : null;
            if (!fresh) return;
            var open = openDetails(el);
            var node = document.importNode(fresh, true);
            node.querySelectorAll('details').forEach(function (d, i) { if (open[i]) d.open = true; });
            el.replaceWith(node);
            localTimes(node);
          });
          var next = doc.getElementById('run');
          var active = next && next.getAttribute('data-active') === 'true';
          root.setAttribute('data-active', active ? 'true' : 'false');
          busy = false;
          if (active) later();
        })
        .catch(function (err) { busy = false; if (err.message !== 'stop') later(); });
    }
    function later() { clearTimeout(timer); timer = setTimeout(refresh, ms); }
    document.addEventListener('patrol:run-ended', function () { clearTimeout(timer); setTimeout(refresh, 300); });
    if (root.getAttribute('data-active') === 'true') later();
  }

  function start() {
    localTimes(document);
    credentialForm();
    var log = document.getElementById('log');
    if (log && window.EventSource) liveLogs(log);
    var run = document.getElementById('run');
    if (run) liveRun(run);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
