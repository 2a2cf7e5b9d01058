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
    questions: document.getElementById("questions"), submit: document.getElementById("submit"),
    sheet: document.getElementById("sheet"), sheetGrid: document.getElementById("sheet-grid"),
    sheetCount: document.getElementById("sheet-count"), head: document.querySelector(".exam-head")
  };
  var attempt = null, answers = {}, marks = {}, seq = 0, savedSeq = 0, remaining = null, syncedAt = 0;
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
  // The sheet and the marks for review stay on this PC; the server acknowledging a save
  // makes the sheet no longer pending (seq), the marks stay until the hand-in.
  function keep() { localStorage.setItem(key, JSON.stringify({seq: seq, answers: answers, marks: marks})); }

  function sync(remainingS) { remaining = remainingS; syncedAt = performance.now(); tick(); }  // shown at once

  function clockText(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    if (remaining === null || finished) { return; }
    var paused = attempt && attempt.state === "paused";  // the server's clock stands still too
    var left = Math.max(0, Math.round(remaining - (paused ? 0 : (performance.now() - syncedAt) / 1000)));
    els.clock.textContent = clockText(left);
    if (left === 0 && attempt && attempt.state === "answering") { handIn(false); }
  }

  // The page's words (the template's JSON); English stand-ins keep the script working alone.
  var texts = (function () {
    var el = document.getElementById("exam-texts");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }());
  function say(name, values) {
    var text = texts[name] || name;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function pts(p) { return String(Math.round(p * 100) / 100); }
  var LETTERS = "ABCDEF";

  // Questions shown by section, in the type registry's order (判断题, 单选题, 多选题), numbered
  // 1… in the order shown; the numbers are what the answer sheet and the hand-in warning name.
  function ordered(paper) {
    var order = texts.order || Object.keys(texts.types || {});  // tojson sorts the keys
    var rank = function (q) { var i = order.indexOf(q.type); return i < 0 ? order.length : i; };
    return paper.map(function (q, i) { return {q: q, i: i}; }).sort(function (a, b) {
      return rank(a.q) - rank(b.q) || a.i - b.i;
    }).map(function (x) { return x.q; });
  }

  function sectionHead(type, members) {
    var total = 0, each = members[0].points, same = true;
    members.forEach(function (q) { total += q.points; same = same && q.points === each; });
    var h = document.createElement("h2");
    h.className = "section-head";
    h.dataset.test = "section";
    h.textContent = ((texts.types || {})[type] || type) + " ";
    var small = document.createElement("small");
    small.className = "muted";
    small.textContent = same ? say("section", {n: members.length, each: pts(each), total: pts(total)})
                             : say("sectionMixed", {n: members.length, total: pts(total)});
    h.appendChild(small);
    return h;
  }

  var shown = [];  // the questions in the order shown: shown[k] is question number k + 1

  function render() {
    els.questions.innerHTML = "";
    els.sheetGrid.innerHTML = "";
    shown = ordered(attempt.paper);
    shown.forEach(function (q, k) {
      var li = document.createElement("li");
      li.dataset.question = q.id;
      li.id = "question-" + q.id;
      li.className = "question type-" + q.type;
      var first = k === 0 || shown[k - 1].type !== q.type;
      if (first) {
        li.appendChild(sectionHead(q.type, shown.filter(function (o) { return o.type === q.type; })));
      }
      var head = document.createElement("p");
      head.className = "q-head";
      var number = document.createElement("strong");
      number.className = "number";
      number.textContent = (k + 1) + ".";
      var tag = document.createElement("span");
      tag.className = "tag type-" + q.type;
      tag.textContent = (texts.types || {})[q.type] || q.type;
      var points = document.createElement("span");
      points.className = "muted";
      points.textContent = say("points", {points: pts(q.points)});
      var mark = document.createElement("button");
      mark.type = "button";
      mark.className = "mark";
      mark.dataset.test = "mark";
      mark.addEventListener("click", function () { toggleMark(q.id); });
      [number, tag, points, mark].forEach(function (el) { head.appendChild(el); head.appendChild(document.createTextNode(" ")); });
      li.appendChild(head);
      if (q.type === "multiple_choice") {
        var note = document.createElement("p");
        note.className = "multi-note";
        note.dataset.test = "multi-note";
        note.textContent = say("multi");
        li.appendChild(note);
      }
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
        var letter = document.createElement("span");
        letter.className = "letter";
        letter.textContent = LETTERS[index];
        label.appendChild(letter);
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

      var cell = document.createElement("button");
      cell.type = "button";
      cell.className = "cell";
      cell.dataset.question = q.id;
      cell.dataset.test = "sheet-cell";
      cell.textContent = String(k + 1);
      cell.title = say("jump", {n: k + 1});
      cell.addEventListener("click", function () { jump(q.id); });
      els.sheetGrid.appendChild(cell);
    });
    els.sheet.hidden = false;
    els.sheet.querySelector("details").open = !phone.matches;  // on a phone: a bar that opens
    els.submit.hidden = false;
    paintSheet();
  }

  function answered(id) { return (answers[id] || []).length > 0; }

  // The answer sheet and each question's mark button follow the answers and the marks.
  function paintSheet() {
    var done = 0;
    shown.forEach(function (q) {
      var cell = els.sheetGrid.querySelector('[data-question="' + q.id + '"]');
      var li = document.getElementById("question-" + q.id);
      var isAnswered = answered(q.id), isMarked = !!marks[q.id];
      if (isAnswered) { done += 1; }
      if (cell) {
        cell.classList.toggle("answered", isAnswered);
        cell.classList.toggle("marked", isMarked);
        cell.dataset.state = (isAnswered ? "answered" : "unanswered") + (isMarked ? " marked" : "");
      }
      if (li) {
        li.classList.toggle("marked", isMarked);
        var button = li.querySelector("button.mark");
        button.textContent = isMarked ? "★ " + say("marked") : "☆ " + say("mark");
        button.setAttribute("aria-pressed", isMarked ? "true" : "false");
      }
    });
    els.sheetCount.textContent = say("progress", {answered: done, total: shown.length});
  }

  function toggleMark(id) {
    if (marks[id]) { delete marks[id]; } else { marks[id] = true; }
    keep();
    paintSheet();
  }

  var phone = window.matchMedia("(max-width: 899px)");

  function jump(id) {
    var li = document.getElementById("question-" + id);
    if (!li) { return; }
    if (phone.matches) { els.sheet.querySelector("details").open = false; }  // the sheet covers the paper
    // Below the sticky header, so the question's number and type show.
    var offset = els.head ? els.head.getBoundingClientRect().bottom : 0;
    window.scrollTo({top: window.scrollY + li.getBoundingClientRect().top - offset - 8});
    var input = li.querySelector("input");
    if (input) { input.focus({preventScroll: true}); }
  }

  // What the hand-in names: the numbers shown of blank and of marked questions.
  function handInWarning() {
    var blank = [], flagged = [];
    shown.forEach(function (q, k) {
      if (!answered(q.id)) { blank.push(k + 1); }
      if (marks[q.id]) { flagged.push(k + 1); }
    });
    var sep = texts.sep || ", ", lines = [];
    if (blank.length) { lines.push(say("unanswered", {numbers: blank.join(sep)})); }
    if (flagged.length) { lines.push(say("markedList", {numbers: flagged.join(sep)})); }
    return lines;
  }

  function setEnabled(enabled) {
    Array.prototype.forEach.call(els.questions.querySelectorAll("input, button.mark"), function (i) { i.disabled = !enabled; });
    els.submit.disabled = !enabled;
  }

  function choose(id, li) {
    answers[id] = Array.prototype.filter.call(li.querySelectorAll("input"), function (i) { return i.checked; })
      .map(function (i) { return parseInt(i.value, 10); });
    seq += 1;
    keep();
    paintSheet();
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
        if (savedSeq < seq) { save(); }
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
    if (ask && !window.confirm(handInWarning().concat([root.dataset.msgConfirm]).join("\n"))) { return; }
    save().then(function () {
      return request("POST", api + "/submit");
    }).then(function (r) {
      if (r.status === 200) { finish(); } else { show(r.data.reason || ""); }
    }, function () { els.status.textContent = root.dataset.msgOffline; });
  }

  // What a proctor did to the seat, and why if they said.
  function told(message, reason) {
    return reason ? message + "\n" + say("reason", {reason: reason}) : message;  // on a line of its own
  }

  function finish() {
    finished = true;
    localStorage.removeItem(key);
    setEnabled(false);
    els.submit.hidden = true;
    els.clock.textContent = "0:00";
    if (attempt && attempt.state === "terminated" && root.dataset.msgTerminated) {
      root.classList.add("held");
      show(told(root.dataset.msgTerminated, attempt.reason));
    } else {
      show(root.dataset.msgFinished);
    }
  }

  function load() {
    return request("GET", api).then(function (r) {
      if (r.status !== 200) { attempt = null; show(r.data.reason || String(r.status)); return; }
      attempt = r.data;
      savedSeq = attempt.saved_seq;
      var pending = local();
      marks = (pending && pending.marks) || {};
      if (pending && pending.seq > savedSeq) {
        answers = pending.answers; seq = pending.seq;  // not yet acknowledged: send again
      } else {
        answers = attempt.answers || {}; seq = savedSeq;
      }
      els.start.hidden = attempt.state !== "not_started";
      if (attempt.state === "not_started") {  // the clock shows the whole duration until the start
        remaining = null;
        els.clock.textContent = clockText(attempt.duration_s || 0);
        show(root.dataset.msgWait);
        return;
      }
      sync(attempt.remaining_s);
      var duration = document.getElementById("duration");
      if (duration) { duration.hidden = true; }  // the clock tells the rest
      if (["submitted", "timed_out", "terminated", "absent"].indexOf(attempt.state) >= 0) {
        if (attempt.paper) { render(); }
        finish();
        return;
      }
      if (!els.questions.children.length && attempt.paper) { render(); }
      setEnabled(attempt.state === "answering");
      root.classList.toggle("held", attempt.state === "paused");
      if (attempt.state === "paused" && root.dataset.msgPaused) { show(told(root.dataset.msgPaused, attempt.reason)); }
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
  // While the exam runs (answering or paused), a light question every 1.5 s: a proctor's
  // pause, resume, added time or termination reaches the page without a reload. The page is
  // loaded again only when the state changed; added time only moves the clock.
  var stateApi = root.dataset.stateApi, polling = false;
  function running() { return !finished && attempt && (attempt.state === "answering" || attempt.state === "paused"); }
  function poll() {
    if (!stateApi || polling || !running()) { return; }
    polling = true;
    request("GET", stateApi).then(function (r) {
      polling = false;
      if (!running()) { return; }
      if (r.status !== 200) { if (r.status === 409) { show(r.data.reason || ""); load(); } return; }
      if (r.data.state !== attempt.state) { load(); return; }
      sync(r.data.remaining_s);
      if (attempt.state === "paused" && r.data.reason !== attempt.reason) {
        attempt.reason = r.data.reason;
        show(told(root.dataset.msgPaused, attempt.reason));
      }
    }, function () { polling = false; });
  }
  if (stateApi) { setInterval(poll, 1500); }
  // While waiting for the start, or the network: ask the server again (the poll above has
  // the running exam).
  setInterval(function () {
    if (finished) { return; }
    if (!attempt || (attempt.state !== "answering" && !(stateApi && attempt.state === "paused"))) { load(); }
    else if (seq > savedSeq) { save(); }
  }, 5000);
  load();
}());
