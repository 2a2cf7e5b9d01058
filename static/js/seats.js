// The proctors' live view: each seat's state, answered count, last save and time left.
(function () {
  "use strict";
  var table = document.querySelector("table[data-live]");
  if (!table) { return; }
  function refresh() {
    fetch(table.dataset.live, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.seats.forEach(function (seat) {
          var row = table.querySelector("tr[data-attempt='" + seat.attempt + "']");
          if (!row) { return; }
          row.querySelector("[data-field=state_label]").textContent = seat.state_label;
          row.querySelector("[data-field=answered]").textContent =
            seat.answered + (seat.questions ? "/" + seat.questions : "");
          row.querySelector("[data-field=last_save]").textContent = seat.last_save || "—";
          row.querySelector("[data-field=remaining]").textContent = seat.remaining || "—";
        });
      }, function () {});
  }
  setInterval(refresh, 5000);
}());
