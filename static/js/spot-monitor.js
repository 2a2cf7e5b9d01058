// The regulator's spot-test page: where the phone stands, and the result the moment the phone
// hands in, without a reload (a light question every 2 s until the test is over).
(function () {
  "use strict";
  var monitor = document.getElementById("spot-monitor");
  if (!monitor) { return; }
  var result = document.querySelector("[data-test=spot-result]");
  var state = monitor.querySelector("[data-test=spot-state]");
  var progress = monitor.querySelector("[data-test=spot-progress]");
  var asking = false, timer = null;

  function show(status) {
    state.textContent = status.label;
    progress.textContent = status.progress;
    if (status.state !== "finished") { return; }
    clearInterval(timer);
    result.querySelector("[data-test=spot-verdict]").textContent = status.result;
    result.querySelector("[data-test=spot-order]").hidden = status.passed !== false;
    result.classList.toggle("valid", !!status.passed);
    result.hidden = false;
    monitor.hidden = true;
    Array.prototype.forEach.call(document.querySelectorAll("details.card"), function (d) { d.hidden = true; });
  }

  function ask() {
    if (asking) { return; }
    asking = true;
    fetch(monitor.dataset.status, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (status) { asking = false; if (status) { show(status); } },
            function () { asking = false; });  // the regulator's own network: asked again next time
  }
  timer = setInterval(ask, 2000);
}());
