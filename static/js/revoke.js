// Revoking asks once more, in a dialog that names what it does (the server asks for the same
// tick: without script, the page comes back with the dialog open).
(function () {
  "use strict";
  var dialog = document.getElementById("revoke-dialog");
  if (!dialog || !dialog.showModal) {
    return;
  }
  var form = dialog.closest("form");
  var reason = form.querySelector("textarea[name=reason]");
  var understood = dialog.querySelector("input[name=understood]");
  var confirm = dialog.querySelector("[data-test=revoke-confirm]");

  function sync() {
    confirm.disabled = !understood.checked;
  }
  understood.addEventListener("change", sync);
  sync();

  form.querySelector("[data-opens=revoke-dialog]").addEventListener("click", function (event) {
    event.preventDefault();
    if (!reason.reportValidity()) {
      return;
    }
    dialog.querySelector("[data-reason]").textContent = reason.value.trim();
    if (dialog.open) {
      dialog.close();
    }
    dialog.showModal();
  });
  dialog.querySelector("[data-closes=revoke-dialog]").addEventListener("click", function () {
    dialog.close();
  });
})();
