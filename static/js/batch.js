// A certificate batch's progress bar, polled until the job is done.
(function () {
  "use strict";
  var box = document.getElementById("batch");
  if (!box || box.dataset.status === "done" || box.dataset.status === "failed") { return; }
  var bar = document.getElementById("batch-bar");
  var state = document.getElementById("batch-state");
  var count = document.getElementById("batch-count");
  function poll() {
    fetch(box.dataset.progress, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        bar.value = data.progress;
        state.textContent = data.label;
        count.textContent = data.issued + " / " + data.total;
        if (data.status === "done" || data.status === "failed") { window.location.reload(); } else { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
