// Chunked, resumable upload: each chunk is sent at the offset the server has; after a
// dropped connection the client asks where to go on and sends the rest.
(function () {
  "use strict";
  var box = document.getElementById("upload");
  var bar = document.getElementById("bar"), state = document.getElementById("state");
  var headers = {"X-CSRFToken": box.dataset.csrf, "Accept": "application/json"};
  function json(method, url, body) {
    var h = Object.assign({"Content-Type": "application/json"}, headers);
    return fetch(url, {method: method, credentials: "same-origin", headers: h,
                       body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (d) { return {status: r.status, data: d}; }); });
  }
  function sendFrom(file, base, offset, chunk) {
    bar.value = file.size ? offset / file.size : 1;
    if (offset >= file.size) {
      return json("POST", base + "/complete").then(function (r) {
        if (r.status === 200) { state.textContent = box.dataset.msgDone; window.location = r.data.url; }
        else { state.textContent = r.data.reason || String(r.status); }
      });
    }
    var piece = file.slice(offset, Math.min(offset + chunk, file.size));
    return fetch(base + "?offset=" + offset, {method: "PUT", credentials: "same-origin", headers: headers, body: piece})
      .then(function (r) { return r.json().then(function (d) { return {status: r.status, data: d}; }); })
      .then(function (r) {
        if (r.status === 200 || (r.status === 409 && r.data.received !== undefined)) {
          return sendFrom(file, base, r.data.received, chunk);
        }
        state.textContent = r.data.reason || String(r.status);
      }, function () {
        state.textContent = box.dataset.msgResume;
        return new Promise(function (ok) { setTimeout(ok, 3000); }).then(function () {
          return json("GET", base).then(function (r) { return sendFrom(file, base, r.data.received, chunk); });
        });
      });
  }
  document.getElementById("send").addEventListener("click", function () {
    var file = document.getElementById("file").files[0];
    if (!file) { return; }
    var place = box.dataset.session ? {exam_session_id: parseInt(box.dataset.session, 10)}
                                    : {classroom_id: parseInt(box.dataset.classroom, 10)};
    json("POST", box.dataset.start, Object.assign(place, {size: file.size,
                                     filename: file.name, starts_at: document.getElementById("starts_at").value,
                                     ends_at: document.getElementById("ends_at").value}))
      .then(function (r) {
        if (r.status !== 200) { state.textContent = r.data.reason || String(r.status); return; }
        return sendFrom(file, box.dataset.start + "/" + r.data.id, 0, r.data.chunk_bytes);
      });
  });
}());
