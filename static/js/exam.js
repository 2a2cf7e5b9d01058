// The exam client. The server owns the deadline: remaining seconds come from it and the
// local countdown only measures time since the last answer from the server. Answers are
// kept in localStorage until the server acknowledges them, so a lost network, a reload or
// another PC loses nothing that was saved.
(function () {
  "use strict";
  var root = document.getElementById("exam");
  var api = root.dataset.api;
  var csrf = root.dataset.csrf;
  var key = "exam-answers:" + api;
  var els = {
    clock: document.getElementById("clock"), status: document.getElementById("status"),
    message: document.getElementById("message"), start: document.getElementById("start"),
    questions: document.getElementById("questions"), submit: document.getElementById("submit")
  };
  var attempt = null, answers = {}, seq = 0, savedSeq = 0, remaining = null, syncedAt = 0;
  var saving = false, finished = false, saveTimer = null;

  function request(method, url, body) {
    var options = {method: method, credentials: "same-origin",
                   headers: {"Accept": "application/json", "X-CSRFToken": csrf}};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {status: response.status, data: data};
      });
    });
  }

  function show(text) { els.message.textContent = text; els.message.hidden = !text; }
  function local() { try { return JSON.parse(localStorage.getItem(key)) || null; } catch (e) { return null; } }
  function keep() { localStorage.setItem(key, JSON.stringify({seq: seq, answers: answers})); }

  function sync(remainingS) { remaining = remainingS; syncedAt = performance.now(); }

  function tick() {
    if (remaining === null || finished) { return; }
    var left = Math.max(0, Math.round(remaining - (performance.now() - syncedAt) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    els.clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0 && attempt && attempt.state === "answering") { handIn(false); }
  }

  function render() {
    els.questions.innerHTML = "";
    attempt.paper.forEach(function (q) {
      var li = document.createElement("li");
      li.dataset.question = q.id;
      var stem = document.createElement("p");
      stem.className = "stem";
      if (q.stem_format === "html") { stem.innerHTML = q.stem; } else { stem.textContent = q.stem; }
      li.appendChild(stem);
      var kind = q.type === "multiple_choice" ? "checkbox" : "radio";
      q.options.forEach(function (text, index) {
        var label = document.createElement("label");
        label.className = "option";
        var input = document.createElement("input");
        input.type = kind; input.name = "q" + q.id; input.value = index;
        input.checked = (answers[q.id] || []).indexOf(index) >= 0;
        input.addEventListener("change", function () { choose(q.id, li); });
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + "ABCDEF"[index] + ". "));
        if (q.options_html) {  // sanitised on import: images in answers
          var body = document.createElement("span");
          body.innerHTML = q.options_html[index];
          label.appendChild(body);
        } else {
          label.appendChild(document.createTextNode(text));
        }
        li.appendChild(label);
      });
      els.questions.appendChild(li);
    });
    els.submit.hidden = false;
  }

  function setEnabled(enabled) {
    Array.prototype.forEach.call(els.questions.querySelectorAll("input"), function (i) { i.disabled = !enabled; });
    els.submit.disabled = !enabled;
  }

  function choose(id, li) {
    answers[id] = Array.prototype.filter.call(li.querySelectorAll("input"), function (i) { return i.checked; })
      .map(function (i) { return parseInt(i.value, 10); });
    seq += 1;
    keep();
    els.status.textContent = root.dataset.msgSaving;  // never "saved" while a change is pending
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 300);
  }

  function save() {
    if (saving || finished || !attempt || attempt.state !== "answering") { return Promise.resolve(); }
    if (seq <= savedSeq) { seq = savedSeq + 1; keep(); }  // the 30-second save: same sheet, newer seq
    saving = true;
    els.status.textContent = root.dataset.msgSaving;
    var sending = seq;
    return request("PUT", api + "/answers", {answers: answers, seq: sending}).then(function (r) {
      saving = false;
      if (r.status === 200) {
        savedSeq = Math.max(savedSeq, r.data.saved_seq);
        sync(r.data.remaining_s);
        els.status.textContent = savedSeq >= seq ? root.dataset.msgSaved : root.dataset.msgSaving;
        if (savedSeq >= seq) { localStorage.removeItem(key); } else { save(); }
      } else if (r.status === 409) {
        show(r.data.reason || "");
        load();
      } else {
        els.status.textContent = r.data.reason || String(r.status);
      }
    }, function () {
      saving = false;
      els.status.textContent = root.dataset.msgOffline;  // kept locally; retried below
    });
  }

  function handIn(ask) {
    if (ask && !window.confirm(root.dataset.msgConfirm)) { return; }
    save().then(function () {
      return request("POST", api + "/submit");
    }).then(function (r) {
      if (r.status === 200) { finish(); } else { show(r.data.reason || ""); }
    }, function () { els.status.textContent = root.dataset.msgOffline; });
  }

  function finish() {
    finished = true;
    localStorage.removeItem(key);
    setEnabled(false);
    els.submit.hidden = true;
    els.clock.textContent = "0:00";
    show(root.dataset.msgFinished);
  }

  function load() {
    return request("GET", api).then(function (r) {
      if (r.status !== 200) { attempt = null; show(r.data.reason || String(r.status)); return; }
      attempt = r.data;
      sync(attempt.remaining_s);
      savedSeq = attempt.saved_seq;
      var pending = local();
      if (pending && pending.seq > savedSeq) {
        answers = pending.answers; seq = pending.seq;  // not yet acknowledged: send again
      } else {
        answers = attempt.answers || {}; seq = savedSeq;
      }
      els.start.hidden = attempt.state !== "not_started";
      if (attempt.state === "not_started") { show(root.dataset.msgWait); return; }
      if (["submitted", "timed_out", "terminated", "absent"].indexOf(attempt.state) >= 0) {
        if (attempt.paper) { render(); }
        finish();
        return;
      }
      if (!els.questions.children.length && attempt.paper) { render(); }
      setEnabled(attempt.state === "answering");
      if (attempt.state === "answering") { show(""); if (seq > savedSeq) { save(); } }
    }, function () { els.status.textContent = root.dataset.msgOffline; });
  }

  els.start.addEventListener("click", function () {
    request("POST", api + "/start").then(function (r) {
      if (r.status === 200) { show(""); load(); } else { show(r.data.reason || ""); }
    });
  });
  els.submit.addEventListener("click", function () { handIn(true); });
  window.addEventListener("online", save);
  setInterval(tick, 500);
  setInterval(function () { if (!finished) { save(); } }, 30000);
  // While waiting for the start, a pause, or the network: ask the server again.
  setInterval(function () {
    if (finished) { return; }
    if (!attempt || attempt.state !== "answering") { load(); } else if (seq > savedSeq) { save(); }
  }, 5000);
  load();
}());
