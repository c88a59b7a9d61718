/* Public service map. The page works without this script: it only adds "near me" and the map.
   Leaflet (served by the app) is fetched when the visitor asks for the map, not before. */
(function () {
  "use strict";
  var box = document.getElementById("map");
  var status = document.getElementById("map-status");
  var nearBtn = document.getElementById("near-me");
  var mapBtn = document.getElementById("show-map");
  if (!box) return;

  function say(text) { status.textContent = text; status.hidden = !text; }

  if (navigator.geolocation && nearBtn) {
    nearBtn.hidden = false;
    nearBtn.addEventListener("click", function () {
      say(box.dataset.locating);
      navigator.geolocation.getCurrentPosition(function (pos) {
        var url = new URL(window.location.href);
        url.searchParams.set("lat", pos.coords.latitude.toFixed(4));
        url.searchParams.set("lon", pos.coords.longitude.toFixed(4));
        url.searchParams.delete("city");
        window.location.href = url.toString();
      }, function () { say(box.dataset.noLocation); }, { timeout: 15000, maximumAge: 600000 });
    });
  }

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      for (var k in attrs) el[k] = attrs[k];
      el.onload = resolve; el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  function draw() {
    var L = window.L;
    var map = L.map(box, { zoomControl: true });
    var failed = 0;
    var tiles = L.tileLayer(box.dataset.tiles, {
      maxZoom: 18,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    });
    tiles.on("tileerror", function () {
      failed += 1;
      if (failed === 1) say(box.dataset.tilesFailed);
    });
    tiles.addTo(map);
    var points = [];
    document.querySelectorAll("#places li[data-lat]").forEach(function (li) {
      var ll = [parseFloat(li.dataset.lat), parseFloat(li.dataset.lon)];
      var hsp = li.classList.contains("hsp");
      var title = li.querySelector("h2").textContent;
      var marker = L.circleMarker(ll, {
        radius: hsp ? 9 : 7, color: hsp ? "#c8102e" : "#1a5fb4", weight: 2, fillOpacity: 0.7
      }).addTo(map);
      var link = document.createElement("a");
      link.href = "#" + li.id;
      link.textContent = title;
      marker.bindPopup(link);
      points.push(ll);
    });
    if (points.length) map.fitBounds(points, { padding: [20, 20], maxZoom: 14 });
    else map.setView([-5, -70], 3);
  }

  if (mapBtn) {
    mapBtn.hidden = false;
    mapBtn.addEventListener("click", function () {
      mapBtn.hidden = true;
      box.hidden = false;
      var css = load("link", { rel: "stylesheet", href: box.dataset.css }).catch(function () {});
      Promise.all([css, load("script", { src: box.dataset.js })]).then(draw).catch(function () {
        box.hidden = true;
        say(box.dataset.tilesFailed);
      });
    });
  }
})();
