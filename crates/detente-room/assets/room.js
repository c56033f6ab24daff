// Live updates: when the room changes, fetch this page again and swap its live sections.
// Forms outside the live sections (preferences, notes) keep what the person is typing.
(function () {
  var url = document.body.dataset.events;
  if (!url || !window.EventSource) { return; }
  var busy = false;
  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch(location.href, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live]').forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          // A section the fresh page no longer has (the setup form once the talks open) is
          // emptied, keeping its place in case it comes back.
          if (!fresh) { el.innerHTML = ''; } else if (fresh.innerHTML !== el.innerHTML) { el.replaceWith(fresh); }
        });
        document.body.dataset.refreshed = String(Date.now());
      })
      .finally(function () { busy = false; });
  }
  var es = new EventSource(url);
  es.addEventListener('change', refresh);
})();
