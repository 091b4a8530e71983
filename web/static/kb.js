// kb: small comforts only; every page works without this file.
(function () {
  "use strict";
  // Show that a question is being worked on; undo when the page comes back from the cache.
  document.addEventListener("submit", function (ev) {
    var button = ev.submitter;
    if (button && button.form) {
      setTimeout(function () { button.disabled = true; button.textContent = "Working…"; }, 0);
    }
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.search button[disabled]").forEach(function (b) {
      b.disabled = false;
      b.textContent = b.dataset.label || b.textContent;
    });
  });
  // "/" focuses the search box, as on most forums and code hosts.
  document.addEventListener("keydown", function (ev) {
    var box = document.querySelector("form.search input[name=q]");
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (ev.key === "/" && box && !typing) { ev.preventDefault(); box.focus(); box.select(); }
  });
})();
