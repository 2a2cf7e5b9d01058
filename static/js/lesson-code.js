// The classroom's sign-in code: fetched again a moment after it changes, every minute.
(function () {
  "use strict";
  var el = document.getElementById("code");
  var count = document.getElementById("signed-in");
  function refresh() {
    fetch(el.dataset.source, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        el.textContent = data.code;
        count.textContent = "✓ " + data.signed_in;
        setTimeout(refresh, (data.seconds_left + 1) * 1000);
      })
      .catch(function () { setTimeout(refresh, 5000); });
  }
  refresh();
})();
