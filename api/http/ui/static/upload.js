// A recording sent to the archive from the browser: streamed by XMLHttpRequest (the file is
// never read into memory by the page) with a progress bar; the archive's answer is shown.
(function () {
  "use strict";
  document.querySelectorAll("form.upload-form").forEach(function (form) {
    var bar = form.querySelector(".upload-progress"), result = form.querySelector(".upload-result");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData(form);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.url);
      xhr.setRequestHeader("Accept", "application/json");
      if (form.dataset.csrf) xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = e.loaded / e.total;
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 1;
          var clip = body.clip || body;
          result.textContent = result.dataset.done + " " + (clip.clip_id || "") + " · SHA-256 " + (clip.sha256 || "");
          result.className = "upload-result good";
          form.dataset.done = "yes";
        } else {
          result.textContent = result.dataset.failed + " " + (body.error || xhr.status);
          result.className = "upload-result bad";
          form.querySelector("button").disabled = false;
        }
      });
      xhr.addEventListener("error", function () { result.textContent = result.dataset.failed; });
      form.querySelector("button").disabled = true;
      xhr.send(data);
    });
  });
})();
