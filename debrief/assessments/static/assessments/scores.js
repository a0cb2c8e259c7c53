// Score entry grid: mark the boxes that changed and warn before leaving unsaved work.
// The grid works without this script.
(function () {
  "use strict";
  var form = document.getElementById("score-grid-form");
  if (!form) return;
  var dirty = false;
  form.addEventListener("input", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) && !(target instanceof HTMLSelectElement)) return;
    var cell = target.closest("td");
    if (cell) cell.classList.add("assess-changed");
    dirty = true;
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
