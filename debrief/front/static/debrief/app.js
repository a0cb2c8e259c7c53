// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Tree browser: load a node's children the first time it is opened, and at once
  // for nodes the page renders open.
  function loadChildren(details) {
    var url = details.getAttribute("data-children-url");
    if (!url || details.getAttribute("data-loaded")) return;
    details.setAttribute("data-loaded", "1");
    fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var holder = details.querySelector(".tree-children");
        if (holder) holder.innerHTML = html;
      });
  }
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details instanceof HTMLDetailsElement && details.open) loadChildren(details);
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    var open = document.querySelectorAll("details[open][data-children-url]");
    for (var i = 0; i < open.length; i++) loadChildren(open[i]);
  });
  // Buttons that ask before a consequential action: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (target && !window.confirm(target.getAttribute("data-confirm"))) event.preventDefault();
  });
})();
