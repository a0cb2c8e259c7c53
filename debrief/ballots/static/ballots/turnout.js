/* The turnout screen: reload the counts every two seconds; show the link to the
 * results once the evaluation is closed, and stop. */
(function () {
  "use strict";
  var root = document.querySelector("[data-json-url]");
  if (!root) { return; }
  var url = root.getAttribute("data-json-url");
  var interval = parseInt(root.getAttribute("data-interval"), 10) || 2000;
  var timer = null;

  function fill(row, data) {
    var fields = row.querySelectorAll("[data-field]"), i, name;
    for (i = 0; i < fields.length; i++) {
      name = fields[i].getAttribute("data-field");
      if (name === "meter") { fields[i].value = data.percent; } else { fields[i].textContent = String(data[name]); }
    }
  }

  function apply(data) {
    var i, row;
    for (i = 0; i < data.groups.length; i++) {
      row = root.querySelector('[data-group="' + data.groups[i].id + '"]');
      if (row) { fill(row, data.groups[i]); }
    }
    row = root.querySelector('[data-group="total"]');
    if (row) { fill(row, data.total); }
    var status = document.getElementById("turnout-status");
    if (status) { status.textContent = data.status_label; status.className = "turnout-status " + data.status; }
    if (data.closed) {
      document.getElementById("tally-link").removeAttribute("hidden");
      document.getElementById("turnout-hidden").setAttribute("hidden", "");
      window.clearInterval(timer);
    }
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url, true);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onreadystatechange = function () {
      var offline = document.getElementById("turnout-offline");
      if (xhr.readyState !== 4) { return; }
      if (xhr.status === 200) {
        offline.setAttribute("hidden", "");
        try { apply(JSON.parse(xhr.responseText)); } catch (e) { /* keep the last counts */ }
      } else {
        offline.removeAttribute("hidden");
      }
    };
    xhr.send(null);
  }

  timer = window.setInterval(poll, interval);
})();
