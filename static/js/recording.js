// A recording's page follows its analysis live, then reloads to show the report.
(function () {
  "use strict";
  var box = document.getElementById("recording");
  if (!box || box.dataset.status === "analysed" || box.dataset.status === "failed") { return; }
  var bar = document.getElementById("analysis"), label = document.getElementById("analysis-state");
  var timer = setInterval(function () {
    fetch(box.dataset.progress, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        bar.value = d.progress; label.textContent = d.label;
        if (d.status === "analysed" || d.status === "failed") { clearInterval(timer); window.location.reload(); }
      }, function () {});
  }, 2000);
}());
