// The roster page: per-row arrangement forms. The page works without this file.
(function () {
  "use strict";
  function rowForm(element) {
    var id = element.getAttribute && element.getAttribute("form");
    return id && id.indexOf("arrange-") === 0 ? document.getElementById(id) : null;
  }
  // Enter in a row's mode select saves the row, as it already does in the number inputs.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "SELECT") return;
    var form = rowForm(event.target);
    if (!form) return;
    event.preventDefault();
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });
  // A row with unsaved changes is marked until it is saved.
  function markChanged(event) {
    if (!rowForm(event.target)) return;
    var row = event.target.closest("tr");
    if (row) row.classList.add("changed");
  }
  document.addEventListener("input", markChanged);
  document.addEventListener("change", markChanged);
  // After saving a row the page comes back to it: put the focus there again. (After
  // "load", because the browser's own jump to the #fragment resets the focus.)
  window.addEventListener("load", function () {
    var match = /^#reporter-(\d+)$/.exec(window.location.hash);
    if (!match) return;
    window.setTimeout(function () {
      var row = document.getElementById("reporter-" + match[1]);
      var field = row && row.querySelector("select, input:not([type=hidden])");
      if (field && !document.activeElement.closest("form, tr")) field.focus();
    }, 0);
  });
})();
