// The study page: opens the viewing, reports the playback every 10 s (position, playing, muted,
// page visible, rate, whether the person touched the page) with a rising sequence number, and
// shows what the server answers: the credited time, a check question (the video pauses until it
// is answered), "still studying?". The server decides every second of credit.
(function () {
  "use strict";
  var box = document.getElementById("study"), video = document.getElementById("video");
  var headers = {"Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf, "Accept": "application/json"};
  var viewing = null, seq = 0, interacted = false, timer = null, stopped = false;
  var PERIOD = parseInt(box.dataset.period || "10000", 10);
  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (d) { return {status: r.status, data: d}; }); });
  }
  function minutes(s) { return (s / 60).toFixed(1); }
  function show(d) {
    var text = box.dataset.msgCredited.replace("%(m)s", minutes(d.credited_s));
    if (d.pending_s > 0) { text += " · " + box.dataset.msgPending.replace("%(m)s", minutes(d.pending_s)); }
    document.getElementById("credited").textContent = text;
    var check = document.getElementById("check");
    if (d.check) {
      video.pause();
      document.getElementById("check-stem").textContent = d.check.stem;
      var options = document.getElementById("check-options");
      options.textContent = "";
      d.check.options.forEach(function (value, i) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "wide"; b.textContent = String(value);
        b.dataset.test = "option-" + i;
        b.addEventListener("click", function () { answer(i); });
        options.appendChild(b);
      });
      check.hidden = false;
    } else { check.hidden = true; }
    document.getElementById("idle").hidden = !d.still_there;
    if (d.still_there) { video.pause(); }
  }
  function say(text) { document.getElementById("message").textContent = text || ""; }
  function refused(r) {
    say(r.data.reason || String(r.status));
    if (r.data.field === "token") { stopped = true; clearInterval(timer); video.pause(); }  // opened elsewhere
  }
  function report() {
    if (!viewing || stopped) { return; }
    seq += 1;
    var body = {token: viewing.token, seq: seq, position: video.currentTime, playing: !video.paused && !video.ended,
                muted: video.muted || video.volume === 0, visible: document.visibilityState === "visible",
                rate: video.playbackRate, interacted: interacted};
    interacted = false;
    return post("/api/learning/viewings/" + viewing.id + "/reports", body).then(function (r) {
      if (r.status === 200) { show(r.data); return; }
      // A report overtaken by the next one (409, counts nothing) is no news for the learner.
      if (r.data.field === "token" || r.status !== 409) { refused(r); }
    });
  }
  function answer(i) {
    post("/api/learning/viewings/" + viewing.id + "/check", {token: viewing.token, answer: i}).then(function (r) {
      if (r.status !== 200) { refused(r); return; }
      say(r.data.right ? box.dataset.msgRight : box.dataset.msgWrong);
      show(r.data);
      if (!video.ended) { video.play(); }
    });
  }
  document.getElementById("still-here").addEventListener("click", function () {
    post("/api/learning/viewings/" + viewing.id + "/still-here", {token: viewing.token}).then(function (r) {
      if (r.status === 200) { show(r.data); video.play(); }
    });
  });
  ["click", "touchstart", "keydown", "pointermove"].forEach(function (kind) {
    document.addEventListener(kind, function () { interacted = true; }, {passive: true});
  });
  // A report at once on play, pause, seeking and the end, besides the steady beat.
  ["play", "pause", "seeked", "ended", "ratechange"].forEach(function (kind) {
    video.addEventListener(kind, function () { interacted = interacted || kind !== "ended"; report(); });
  });
  document.addEventListener("visibilitychange", report);
  post(box.dataset.open, JSON.parse(box.dataset.target)).then(function (r) {
    if (r.status !== 200) { say(r.data.reason || String(r.status)); return; }
    viewing = r.data; show(r.data);
    timer = setInterval(report, PERIOD);
    report();
  });
}());
