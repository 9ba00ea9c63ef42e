// The camera map: a click (or Enter on a focused spot) picks the centre of the radius.
// Without JavaScript the latitude and longitude fields do the same.
(function () {
  "use strict";
  var svg = document.getElementById("camera-map");
  if (!svg) return;
  var d = svg.dataset;
  var west = +d.west, north = +d.north, scale = +d.scale, kx = +d.kx, margin = +d.margin;
  var lat = document.getElementById("m-lat"), lon = document.getElementById("m-lon");
  var radius = document.getElementById("m-radius"), circle = document.getElementById("selection");

  function draw() {
    var la = parseFloat(lat.value), lo = parseFloat(lon.value), r = parseFloat(radius.value);
    if (isNaN(la) || isNaN(lo) || isNaN(r)) return;
    circle.setAttribute("cx", margin + (lo - west) * kx * scale);
    circle.setAttribute("cy", margin + (north - la) * scale);
    circle.setAttribute("r", r / 111320 * scale);
  }

  svg.addEventListener("click", function (ev) {
    if (ev.target.closest("a")) return; // a camera: follow its link
    var box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal;
    var x = (ev.clientX - box.left) * view.width / box.width;
    var y = (ev.clientY - box.top) * view.height / box.height;
    lat.value = (north - (y - margin) / scale).toFixed(6);
    lon.value = (west + (x - margin) / scale / kx).toFixed(6);
    draw();
  });
  [lat, lon, radius].forEach(function (el) { el.addEventListener("input", draw); });
})();
