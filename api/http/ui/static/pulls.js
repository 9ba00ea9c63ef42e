// A running pull on the case page: its per-camera progress follows the server's (polled once
// a second); when every pull has ended, the page reloads to show the outcome and the clips.
(function () {
  "use strict";
  var box = document.getElementById("pulls");
  if (!box || !box.querySelector('[data-running="yes"]')) return;
  var stages = JSON.parse(box.dataset.stages || "{}");
  function update(state) {
    var running = false;
    state.pulls.forEach(function (p) {
      if (p.running) running = true;
      var holder = box.querySelector('[data-run="' + p.run_id + '"]');
      if (!holder) return;
      p.live.forEach(function (c) {
        var row = holder.querySelector('tr[data-camera="' + CSS.escape(c.camera_id) + '"]');
        if (!row) return;
        row.querySelector(".stage").textContent = stages[c.stage] || c.stage;
        var bar = row.querySelector("progress");
        if (c.fraction !== null) bar.value = c.fraction;
        else if (c.stage === "done" || c.stage === "without" || c.stage === "failed") bar.value = 1;
        row.querySelector(".detail").textContent = c.detail || "";
      });
    });
    if (!running) { location.reload(); return; }
    setTimeout(poll, 1000);
  }
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(update)
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
