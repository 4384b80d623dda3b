// Refreshes the queue panel every few seconds without reloading the page. When the session has
// ended the panel's request is sent to the sign-in page, so the whole page reloads and goes there.
(function () {
  "use strict";
  var panel = document.getElementById("queue-panel");
  if (!panel || !window.fetch) return;
  var every = (Number(panel.dataset.every) || 5) * 1000;
  function refresh() {
    if (document.hidden) return; // a tab in the background costs nothing
    fetch(panel.dataset.refresh, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected || response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null) panel.innerHTML = html; })
      .catch(function () { /* keep the last view; the next tick tries again */ });
  }
  window.setInterval(refresh, every);
})();
