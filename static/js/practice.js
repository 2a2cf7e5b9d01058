// Practice: one question at a time, the answer and the explanation right after each. The
// round's questions come from the server; each answer is sent as indices into the options
// as shown, and the server says whether it was right.
(function () {
  "use strict";
  var root = document.getElementById("practice");
  var api = root.dataset.api, csrf = root.dataset.csrf;
  var els = {
    counter: document.getElementById("counter"), question: document.getElementById("question"),
    message: document.getElementById("message"), check: document.getElementById("check"),
    feedback: document.getElementById("feedback"), next: document.getElementById("next"),
    done: document.getElementById("done"), summary: document.getElementById("summary")
  };
  var round = null, index = 0, right = 0;

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

  function show(text) { els.message.textContent = text || ""; els.message.hidden = !text; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }
  function chosen() {
    return Array.prototype.filter.call(els.question.querySelectorAll("input"), function (i) { return i.checked; })
      .map(function (i) { return parseInt(i.value, 10); });
  }

  function render() {
    var q = round.questions[index];
    els.counter.textContent = fill(root.dataset.msgOf, {n: index + 1, total: round.questions.length});
    els.question.innerHTML = "";
    els.question.dataset.question = q.id;
    var stem = document.createElement("p");
    stem.className = "stem";
    if (q.stem_format === "html") { stem.innerHTML = q.stem; } else { stem.textContent = q.stem; }
    els.question.appendChild(stem);
    var kind = q.type === "multiple_choice" ? "checkbox" : "radio";
    q.options.forEach(function (text, k) {
      var label = document.createElement("label");
      label.className = "option";
      label.dataset.option = k;
      var input = document.createElement("input");
      input.type = kind; input.name = "answer"; input.value = k;
      input.addEventListener("change", function () { els.check.disabled = !chosen().length; });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + "ABCDEF"[k] + ". " + text));
      els.question.appendChild(label);
    });
    els.feedback.hidden = true; els.next.hidden = true;
    els.check.hidden = false; els.check.disabled = true;
    var given = round.feedback[String(q.id)];
    if (given) { reveal(round.answers[String(q.id)] || [], given); }
  }

  function reveal(answer, f) {
    Array.prototype.forEach.call(els.question.querySelectorAll("label.option"), function (label) {
      var k = parseInt(label.dataset.option, 10), input = label.querySelector("input");
      input.disabled = true;
      input.checked = answer.indexOf(k) >= 0;
      if (f.answer.indexOf(k) >= 0) { label.classList.add("right"); }
      else if (input.checked) { label.classList.add("wrong"); }
    });
    els.feedback.innerHTML = "";
    var verdict = document.createElement("p");
    verdict.className = "verdict-line " + (f.correct ? "ok" : "error");
    verdict.textContent = (f.correct ? root.dataset.msgRight : root.dataset.msgWrong) + " " +
      root.dataset.msgAnswer + " " + f.answer.map(function (k) { return "ABCDEF"[k]; }).join("");
    els.feedback.appendChild(verdict);
    if (f.explanation) {
      var why = document.createElement("p");
      var head = document.createElement("strong");
      head.textContent = root.dataset.msgExplanation + " ";
      why.appendChild(head);
      why.appendChild(document.createTextNode(f.explanation));
      els.feedback.appendChild(why);
    }
    els.feedback.hidden = false;
    els.check.hidden = true;
    els.next.hidden = false;
  }

  function check() {
    var q = round.questions[index], answer = chosen();
    if (!answer.length) { return; }
    els.check.disabled = true;
    request("PUT", api + "/answers/" + q.id, {answer: answer}).then(function (r) {
      if (r.status !== 200) { show(r.data.reason || String(r.status)); els.check.disabled = false; return; }
      show("");
      round.feedback[String(q.id)] = r.data;
      round.answers[String(q.id)] = answer;
      reveal(answer, r.data);
    }, function () { show(root.dataset.msgOffline); els.check.disabled = false; });
  }

  function next() {
    index += 1;
    if (index < round.questions.length) { render(); return; }
    right = round.questions.filter(function (q) {
      var f = round.feedback[String(q.id)]; return f && f.correct;
    }).length;
    els.question.hidden = true; els.feedback.hidden = true; els.next.hidden = true;
    els.check.hidden = true; els.counter.hidden = true;
    els.summary.textContent = fill(root.dataset.msgDone, {right: right, total: round.questions.length});
    els.done.hidden = false;
  }

  els.check.addEventListener("click", check);
  els.next.addEventListener("click", next);
  request("GET", api).then(function (r) {
    if (r.status !== 200) { show(r.data.reason || String(r.status)); return; }
    round = r.data;
    // Go on where the learner left off: the first question not yet answered.
    while (index < round.questions.length - 1 && round.feedback[String(round.questions[index].id)]) { index += 1; }
    render();
  }, function () { show(root.dataset.msgOffline); });
}());
