// Verify now: poll the run's progress and show the result when it is done.
(function () {
  "use strict";
  var box = document.getElementById("verify");
  if (!box) return;
  var done = document.getElementById("verify-done"), bar = document.getElementById("verify-progress");
  function poll() {
    fetch(box.dataset.progress, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (done) done.textContent = p.done;
        if (bar) bar.value = p.done;
        if (p.running) setTimeout(poll, 500); else window.location.reload();
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
