// The street map: Leaflet over the city's own tile server (SAKSI_MAP_TILES). A click picks
// the centre of the radius and fills the latitude/longitude fields, which stay the way to do
// it by keyboard; the circle follows the fields as they are typed.
(function () {
  "use strict";
  var holder = document.getElementById("street-map");
  if (!holder || !window.L) return;
  var d = holder.dataset, L = window.L;
  var markers = JSON.parse(d.markers || "[]");
  var lat = document.getElementById("m-lat"), lon = document.getElementById("m-lon");
  var radius = document.getElementById("m-radius");
  var map = L.map(holder, {keyboard: true, attributionControl: false});
  L.tileLayer(d.tiles, {maxZoom: 19, attribution: ""}).addTo(map);
  var bounds = [];
  markers.forEach(function (m) {
    var dot = L.circleMarker([m.lat, m.lon], {radius: 7, weight: 2, className: "cam-dot"});
    dot.bindTooltip(m.id + " · " + m.name);
    dot.on("click", function () { location.href = "/clips?camera=" + encodeURIComponent(m.id); });
    dot.addTo(map);
    bounds.push([m.lat, m.lon]);
  });
  var circle = null;
  function draw() {
    var la = parseFloat(lat.value), lo = parseFloat(lon.value), r = parseFloat(radius.value);
    if (isNaN(la) || isNaN(lo) || isNaN(r)) return;
    if (circle) circle.setLatLng([la, lo]).setRadius(r);
    else circle = L.circle([la, lo], {radius: r, className: "selection"}).addTo(map);
  }
  if (d.lat && d.lon) {
    map.setView([parseFloat(d.lat), parseFloat(d.lon)], 16);  // a view first: bounds need one
    draw();
    map.fitBounds(circle.getBounds(), {maxZoom: 17});
  } else if (bounds.length) {
    map.fitBounds(bounds, {padding: [20, 20], maxZoom: 17});
  } else {
    map.setView([-6.99, 110.42], 14);
  }
  map.on("click", function (ev) {
    lat.value = ev.latlng.lat.toFixed(6);
    lon.value = ev.latlng.lng.toFixed(6);
    lat.dispatchEvent(new Event("change"));
    draw();
  });
  [lat, lon, radius].forEach(function (el) { el.addEventListener("input", draw); });
})();
