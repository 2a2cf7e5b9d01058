// The post held during the password check, sent again at once (see accounts/recent.py): the
// server gave this page the held fields once, so a reload has nothing to send twice.
(function () {
  "use strict";
  var form = document.querySelector("form[data-replay]");
  if (form) {
    form.submit();
  }
})();
