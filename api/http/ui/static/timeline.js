// The case timeline: one moment (Unix seconds) drives every camera. Each camera shows the clip
// covering the moment, seeked to it, or says it has a gap there; Play runs the moment on with
// the clock and keeps each video within a third of a second of it. Over each video: the
// wall-clock time of the frame shown (clip start + currentTime), in the page's zone.
(function () {
  "use strict";
  var axis = document.getElementById("axis");
  var wall = document.getElementById("wall");
  if (!axis || !wall) return;
  var t0 = +axis.dataset.t0, span = +axis.dataset.span;
  var left = +axis.dataset.left, width = +axis.dataset.width;
  var offset = +wall.dataset.offset;  // the zone's offset from UTC, seconds
  var cursor = document.getElementById("cursor"), input = document.getElementById("tl-moment");
  var cells = Array.prototype.slice.call(wall.querySelectorAll(".wall-cell"));
  var moment = t0, running = false, startedAt = 0, startedMoment = t0;

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function local(epoch) { return new Date((epoch + offset) * 1000); }
  function clockText(epoch) {
    var d = local(epoch);
    return two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" + two(d.getUTCSeconds());
  }
  function inputText(epoch) {
    var d = local(Math.floor(epoch));
    return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) +
      "T" + clockText(epoch);
  }
  function fromInput(text) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?/.exec(text);
    if (!m) return null;
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) / 1000 - offset;
  }
  function covering(cell, at) {
    var found = null;
    cell.querySelectorAll(".wall-video").forEach(function (v) {
      var e = +v.dataset.epoch, l = +v.dataset.length;
      if (at >= e && at < e + l) found = v;
    });
    return found;
  }
  function show(at, seek) {
    moment = at;
    cursor.setAttribute("x1", left + (at - t0) / span * width);
    cursor.setAttribute("x2", left + (at - t0) / span * width);
    if (document.activeElement !== input) input.value = inputText(at);
    cells.forEach(function (cell) {
      var active = covering(cell, at);
      cell.querySelector(".wall-gap").hidden = active !== null;
      cell.querySelectorAll(".wall-video").forEach(function (v) {
        var video = v.querySelector("video");
        v.hidden = v !== active;
        if (v !== active) { if (!video.paused) video.pause(); return; }
        var want = at - +v.dataset.epoch;
        if (seek || Math.abs(video.currentTime - want) > 0.35) video.currentTime = want;
        if (running && video.paused) video.play().catch(function () {});
        if (!running && !video.paused) video.pause();
      });
    });
  }
  function label() {
    wall.querySelectorAll(".wall-video").forEach(function (v) {
      var video = v.querySelector("video");
      v.querySelector(".wall-clock").textContent = clockText(+v.dataset.epoch + video.currentTime);
      v.dataset.shown = String(+v.dataset.epoch + video.currentTime);
    });
  }
  function tick() {
    if (running) {
      var at = startedMoment + (performance.now() - startedAt) / 1000;
      if (at >= t0 + span) { running = false; at = t0 + span - 0.01; }
      show(at, false);
    }
    label();
    requestAnimationFrame(tick);
  }
  function play() { running = true; startedAt = performance.now(); startedMoment = moment; show(moment, false); }
  function pause() { running = false; show(moment, false); }
  axis.addEventListener("click", function (ev) {
    var box = axis.getBoundingClientRect(), view = axis.viewBox.baseVal;
    var x = (ev.clientX - box.left) * view.width / box.width;
    var at = t0 + (x - left) / width * span;
    if (at < t0 || at > t0 + span) return;
    running = false;
    show(at, true);
  });
  document.getElementById("tl-jump").addEventListener("click", function () {
    var at = fromInput(input.value);
    if (at !== null) { running = false; show(at, true); }
  });
  document.getElementById("tl-play").addEventListener("click", play);
  document.getElementById("tl-pause").addEventListener("click", pause);
  window.saksiTimeline = {moment: function () { return moment; }, play: play, pause: pause};
  show(t0, true);
  requestAnimationFrame(tick);
})();
