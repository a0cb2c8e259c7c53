// Comments screen: "add a row" for problems, and Ctrl+Enter (⌘+Enter) to save.
(function () {
  "use strict";
  var form = document.querySelector("form[data-ctrl-enter]");
  if (!form) return;

  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });

  var button = form.querySelector("[data-add-problem]");
  var template = form.querySelector("template[data-problem-template]");
  var rows = form.querySelector("[data-problem-rows]");
  var totalInput = form.querySelector("input[name$='-TOTAL_FORMS']");
  var maxInput = form.querySelector("input[name$='-MAX_NUM_FORMS']");
  if (!button || !template || !rows || !totalInput) return;

  button.addEventListener("click", function () {
    var index = parseInt(totalInput.value, 10) || 0;
    var max = maxInput ? parseInt(maxInput.value, 10) : 1000;
    if (index >= max) return;
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.querySelector("tr");
    if (!row) return;
    rows.appendChild(row);
    totalInput.value = String(index + 1);
    var first = row.querySelector("select, textarea, input");
    if (first) first.focus();
  });
})();
