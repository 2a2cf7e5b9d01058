// Chunked, resumable upload: each chunk is sent at the offset the server has. After any error
// that may pass (a dropped connection, a 5xx such as a database or storage outage, a 429) the
// client waits, asks the server where to go on and sends the rest, never from byte 0; the same
// file chosen again for the same target (after a reload too) resumes the upload the server
// holds for it.
(function () {
  "use strict";
  var box = document.getElementById("upload");
  var bar = document.getElementById("bar"), state = document.getElementById("state");
  var headers = {"X-CSRFToken": box.dataset.csrf, "Accept": "application/json"};
  function answer(r) {
    return r.json().then(function (d) { return {status: r.status, data: d}; },
                         function () { return {status: r.status, data: {}}; });
  }
  function json(method, url, body) {
    var h = Object.assign({"Content-Type": "application/json"}, headers);
    return fetch(url, {method: method, credentials: "same-origin", headers: h,
                       body: body === undefined ? undefined : JSON.stringify(body)}).then(answer);
  }
  function passing(status) { return status === 429 || status >= 500; }
  // The same file for another target (another lesson's or film's page, another room or time)
  // is another upload: the key names the target as well as the file.
  var key = null;  // the upload under way, named when it was sent
  function remembered(file) {
    return "upload:" + [box.dataset.start, JSON.stringify(describe()), file.name, file.size,
                        file.lastModified].join(":");
  }
  function later(file, base, chunk, wait, reason) {
    state.textContent = (reason ? reason + " " : "") + box.dataset.msgResume;
    return new Promise(function (ok) { setTimeout(ok, wait); }).then(function () {
      return json("GET", base).then(function (r) {
        if (r.status === 200) { return sendFrom(file, base, r.data.received, chunk); }
        if (passing(r.status)) { return later(file, base, chunk, Math.min(wait * 2, 60000), r.data.reason); }
        sessionStorage.removeItem(key);  // the upload is gone: choose the file again
        state.textContent = r.data.reason || String(r.status);
      }, function () { return later(file, base, chunk, Math.min(wait * 2, 60000)); });
    });
  }
  function sendFrom(file, base, offset, chunk) {
    bar.value = file.size ? offset / file.size : 1;
    if (offset >= file.size) {
      return json("POST", base + "/complete").then(function (r) {
        if (r.status === 200) {
          sessionStorage.removeItem(key);
          state.textContent = box.dataset.msgDone; window.location = r.data.url; return;
        }
        if (passing(r.status)) { return later(file, base, chunk, 3000, r.data.reason); }
        sessionStorage.removeItem(key);
        state.textContent = r.data.reason || String(r.status);
      }, function () { return later(file, base, chunk, 3000); });
    }
    var piece = file.slice(offset, Math.min(offset + chunk, file.size));
    return fetch(base + "?offset=" + offset, {method: "PUT", credentials: "same-origin", headers: headers, body: piece})
      .then(answer)
      .then(function (r) {
        if (r.status === 200 || (r.status === 409 && r.data.received !== undefined)) {
          return sendFrom(file, base, r.data.received, chunk);
        }
        if (passing(r.status)) { return later(file, base, chunk, 3000, r.data.reason); }
        state.textContent = r.data.reason || String(r.status);
      }, function () { return later(file, base, chunk, 3000); });
  }
  // What the upload is for: a page names it whole (data-body, e.g. a lesson's video), a
  // recording's page by its place and times.
  function describe() {
    if (box.dataset.body) { return JSON.parse(box.dataset.body); }
    var place = box.dataset.session ? {exam_session_id: parseInt(box.dataset.session, 10)}
                                    : {classroom_id: parseInt(box.dataset.classroom, 10)};
    return Object.assign(place, {starts_at: document.getElementById("starts_at").value,
                                 ends_at: document.getElementById("ends_at").value});
  }
  document.getElementById("send").addEventListener("click", function () {
    var file = document.getElementById("file").files[0];
    if (!file) { return; }
    key = remembered(file);
    var held = JSON.parse(sessionStorage.getItem(key) || "null");
    if (held) { return later(file, held.base, held.chunk, 0); }
    json("POST", box.dataset.start, Object.assign(describe(), {size: file.size, filename: file.name}))
      .then(function (r) {
        if (r.status !== 200) { state.textContent = r.data.reason || String(r.status); return; }
        var base = box.dataset.start + "/" + r.data.id;
        sessionStorage.setItem(key, JSON.stringify({base: base, chunk: r.data.chunk_bytes}));
        return sendFrom(file, base, 0, r.data.chunk_bytes);
      });
  });
}());
