// Progressive enhancement: refresh the board's table in place, keep open details open,
// navigate when the project select changes. The page works without this script.
(function () {
  "use strict";
  var navigate = document.querySelector("select[data-navigate]");
  if (navigate) {
    navigate.addEventListener("change", function () { window.location.assign(navigate.value); });
  }
  var status = document.getElementById("refresh-status");
  var region = document.getElementById("board-region");
  if (!status || !region) { return; }
  var seconds = parseInt(status.getAttribute("data-refresh"), 10) || 10;
  var source = status.getAttribute("data-source");
  function openKeys() {
    return Array.prototype.map.call(region.querySelectorAll("details[open]"), function (d) {
      return d.getAttribute("data-key");
    });
  }
  var timer = null;
  function refresh() {
    fetch(source, { credentials: "same-origin", headers: { "Accept": "text/html" }, redirect: "error" })
      .then(function (response) {
        if (response.status === 401) {
          window.clearInterval(timer);
          throw new Error("your session ended: reload the page to sign in again");
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var keep = openKeys();
        region.innerHTML = html;
        keep.forEach(function (key) {
          var again = region.querySelector('details[data-key="' + CSS.escape(key) + '"]');
          if (again) { again.open = true; }
        });
        status.textContent = "Updated " + new Date().toLocaleTimeString() + "; refreshes every " + seconds + " seconds.";
      })
      .catch(function (error) { status.textContent = "Could not refresh (" + error.message + ")."; });
  }
  timer = window.setInterval(refresh, seconds * 1000);
  window.shipspecRefresh = refresh;
})();
