// The check-in's camera: the browser's camera (getUserMedia) shows the candidate; a picture
// goes to the server, which compares it with the photo on record and answers with a verdict.
(function () {
  "use strict";
  var root = document.getElementById("identity-camera");
  if (!root) { return; }
  var video = root.querySelector("video");
  var button = root.querySelector("[data-test=capture]");
  var status = root.querySelector("[data-test=camera-status]");
  var result = document.querySelector("[data-test=result]");

  function say(text) { status.textContent = text; }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say(root.dataset.noCamera);
    return;
  }
  navigator.mediaDevices.getUserMedia({video: {width: {ideal: 640}, height: {ideal: 480}}, audio: false})
    .then(function (stream) {
      video.srcObject = stream;
      button.disabled = false;
    })
    .catch(function () { say(root.dataset.noCamera); });

  function show(body) {
    result.textContent = "";
    result.className = body.same_person ? "" : "error";
    result.appendChild(document.createTextNode(body.distance.toFixed(3) + " / " + body.threshold.toFixed(2) + " · "));
    var verdict = document.createElement("strong");
    verdict.setAttribute("data-test", "verdict");
    verdict.textContent = body.verdict + " (" + body.similarity + "%)";
    result.appendChild(verdict);
  }

  // A muted video out of view may be paused by the browser (a phone's narrow page): play it and
  // take the next frame it presents, not a stale or black one.
  function nextFrame(then) {
    var done = false;
    function once() { if (!done) { done = true; then(); } }
    video.play().catch(function () {});
    if (video.requestVideoFrameCallback) {
      video.requestVideoFrameCallback(once);
      setTimeout(once, 1500);
    } else {
      once();
    }
  }

  button.addEventListener("click", function () {
    if (!video.videoWidth) { return; }
    button.disabled = true;
    say(root.dataset.busy);
    nextFrame(send);
  });

  function send() {
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(function (blob) {
      var data = new FormData();
      data.append("frame", blob, "frame.jpg");
      fetch(root.dataset.compare, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"Accept": "application/json", "X-CSRFToken": root.dataset.csrf}
      }).then(function (response) {
        return response.json().then(function (body) {
          if (response.ok) { show(body); say(""); } else { say(body.reason || root.dataset.failed); }
        });
      }).catch(function () { say(root.dataset.failed); })
        .then(function () { button.disabled = false; });
    }, "image/jpeg", 0.92);
  }
})();
