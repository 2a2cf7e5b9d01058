// The proctors' console: one card per seat, kept live from the server every 3 s (state,
// answers, time left, flags and the actions open at each seat, the room's bulk actions);
// a side panel per seat; a confirmation that names the consequence before a pause, an
// irregularity, a termination and the bulk acts. The acts themselves are plain form posts.
(function () {
  "use strict";
  var grid = document.querySelector(".seat-grid[data-live]");
  var panel = document.getElementById("seat-panel");
  var dialog = document.getElementById("confirm-dialog");
  if (!grid || !panel) { return; }

  function json(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : null; } catch (e) { return null; }
  }
  var texts = json("console-texts") || {};
  var seats = {}, current = null, fetchedAt = performance.now();

  function say(text, values) {
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function clock(s) { var m = Math.floor(s / 60), r = s % 60; return m + ":" + (r < 10 ? "0" : "") + r; }
  function answered(seat) { return seat.answered + (seat.questions ? "/" + seat.questions : ""); }
  // Time left now: the server's seconds, less what passed since they came (answering seats only).
  function left(seat) {
    if (seat.remaining_s === null || seat.remaining_s === undefined) { return "—"; }
    var gone = seat.state === "answering" ? Math.floor((performance.now() - fetchedAt) / 1000) : 0;
    return clock(Math.max(0, seat.remaining_s - gone));
  }
  function card(id) { return grid.querySelector("li[data-attempt='" + id + "']"); }
  function field(root, name) { return root.querySelector("[data-field=" + name + "], [data-panel=" + name + "]"); }
  function flags(into, seat) {
    into.textContent = "";
    seat.flags.forEach(function (f) {
      var span = document.createElement("span");
      span.className = "flag flag-" + f.code;
      span.textContent = f.label;
      into.appendChild(span);
    });
  }

  function paintCard(seat) {
    var li = card(seat.attempt);
    if (!li) { return; }
    li.className = "seat-card state-" + seat.state + (String(seat.attempt) === current ? " selected" : "");
    li.dataset.state = seat.state;
    li.dataset.actions = seat.actions.join(" ");
    field(li, "state_label").textContent = seat.state_label;
    field(li, "answered").textContent = answered(seat);
    field(li, "remaining").textContent = left(seat);
    flags(field(li, "flags"), seat);
  }

  function paintPanel() {
    var seat = current && seats[current];
    if (!seat) { return; }
    field(panel, "seat").textContent = seat.seat;
    field(panel, "name").textContent = seat.name;
    field(panel, "state_label").textContent = seat.state_label;
    field(panel, "identity_label").textContent = seat.identity_label;
    field(panel, "answered").textContent = answered(seat);
    field(panel, "remaining").textContent = left(seat);
    field(panel, "last_save").textContent = seat.last_save || "—";
    flags(field(panel, "flags"), seat);
    var photo = field(panel, "photo");
    if (seat.photo && photo.getAttribute("src") !== seat.photo) { photo.src = seat.photo; }
    photo.hidden = !seat.photo;
    field(panel, "no-photo").hidden = !!seat.photo;
    var url = card(seat.attempt).dataset.act;
    Array.prototype.forEach.call(panel.querySelectorAll("form[data-action]"), function (form) {
      form.action = url;
      form.hidden = seat.actions.indexOf(form.dataset.action) < 0;  // what the server allows now
    });
    field(panel, "nothing").hidden = seat.actions.length > 0;
    // The check-in page (the camera against the photo on record) while identity can be decided.
    var check = field(panel, "identity-page"), link = check.querySelector("a");
    link.href = link.dataset.href.replace("{attempt}", seat.attempt);
    check.hidden = seat.actions.indexOf("confirm") < 0 && seat.actions.indexOf("refuse") < 0;
  }

  function paintBulk(bulk) {
    Object.keys(bulk || {}).forEach(function (name) {
      var button = document.querySelector("button[data-bulk=" + name + "]");
      if (!button) { return; }
      button.disabled = !bulk[name];
      button.querySelector("[data-count]").textContent = bulk[name];
    });
  }

  function take(room) {
    if (!room) { return; }
    fetchedAt = performance.now();
    room.seats.forEach(function (seat) { seats[String(seat.attempt)] = seat; paintCard(seat); });
    paintBulk(room.bulk);
    paintPanel();
  }

  function open(id) {
    if (!seats[id]) { return; }
    var before = current && card(current);
    if (before) { before.classList.remove("selected"); }
    current = id;
    card(id).classList.add("selected");
    panel.hidden = false;
    paintPanel();
    if (location.hash !== "#seat-" + id) { history.replaceState(null, "", "#seat-" + id); }
  }

  function close() {
    var before = current && card(current);
    if (before) { before.classList.remove("selected"); }
    current = null;
    panel.hidden = true;
    history.replaceState(null, "", location.pathname + location.search);
  }

  grid.addEventListener("click", function (event) {
    var li = event.target.closest("li[data-attempt]");
    if (li) { open(li.dataset.attempt); }
  });
  panel.querySelector("button.close").addEventListener("click", close);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden && !(dialog && dialog.open)) { close(); }
  });

  // The confirmation: what will happen, to whom, and the reason typed; only "ok" sends.
  function confirmThen(form) {
    var kind = form.dataset.confirm, words = texts[kind];
    if (!dialog || !words) { form.submit(); return; }
    var seat = current && seats[current];
    var values = {seat: seat ? seat.seat : "", name: seat ? seat.name : ""};
    var count = form.querySelector("[data-count]") || document.querySelector("button[data-bulk=" + kind + "] [data-count]");
    if (count) { values.n = count.textContent; }
    var minutes = form.querySelector("input[name=minutes]");
    if (minutes) { values.minutes = minutes.value; }
    var reason = form.querySelector("[name=reason]");
    dialog.querySelector("[data-confirm=title]").textContent = say(words[0], values);
    dialog.querySelector("[data-confirm=body]").textContent = say(words[1], values);
    var line = dialog.querySelector("[data-confirm=reason]");
    line.textContent = reason ? say(texts.reason || "{reason}", {reason: reason.value.trim()}) : "";
    line.hidden = !reason;
    var ok = dialog.querySelector("[data-confirm=ok]");
    ok.textContent = words[2];
    ok.className = kind === "terminate" ? "danger" : "primary";
    dialog.returnValue = "";
    dialog.onclose = function () { if (dialog.returnValue === "ok") { form.submit(); } };
    dialog.showModal();
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.confirm) { return; }
    event.preventDefault();  // the browser has checked the required reason already
    confirmThen(form);
  });

  function refresh() {
    if (document.hidden) { return; }
    fetch(grid.dataset.live, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(take, function () {});
  }

  take(json("room-state"));
  var wanted = /^#seat-(\d+)$/.exec(location.hash);
  if (wanted) { open(wanted[1]); }
  setInterval(refresh, 3000);
  setInterval(function () {  // the clocks between two answers from the server
    Object.keys(seats).forEach(function (id) {
      var li = card(id);
      if (li && seats[id].state === "answering") { field(li, "remaining").textContent = left(seats[id]); }
    });
    if (current && seats[current]) { field(panel, "remaining").textContent = left(seats[current]); }
  }, 1000);
}());
