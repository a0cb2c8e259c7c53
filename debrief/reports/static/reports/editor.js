// The report editor: a small rich-text toolbar over each section's textarea.
// Without this script the textareas are used as they are; the server sanitises
// whatever is posted, and plain text becomes one paragraph per line.
(function () {
  "use strict";

  var INLINE = /^(#text|B|STRONG|I|EM|U|BR|SPAN|FONT|A|SUB|SUP)$/;

  // The HTML posted for one section: loose text and inline formatting at the top level
  // (the first line typed into an empty editor, say) are gathered into paragraphs, and
  // empty paragraphs are dropped. So the server always receives HTML, never plain text.
  function normalise(area) {
    var out = document.createElement("div");
    var paragraph = null;
    Array.prototype.forEach.call(area.childNodes, function (node) {
      if (node.nodeType === Node.COMMENT_NODE) return;
      if (INLINE.test(node.nodeName)) {
        if (!paragraph) {
          paragraph = document.createElement("p");
          out.appendChild(paragraph);
        }
        paragraph.appendChild(node.cloneNode(true));
      } else if (node.nodeName === "DIV") {
        // Some browsers make a <div> per line; the server keeps only paragraphs.
        paragraph = null;
        var line = document.createElement("p");
        line.innerHTML = node.innerHTML;
        out.appendChild(line);
      } else {
        paragraph = null;
        out.appendChild(node.cloneNode(true));
      }
    });
    // Parse again: a list the browser put inside a paragraph comes out beside it.
    out.innerHTML = out.innerHTML;
    ["p, h3, h4, li", "ul, ol"].forEach(function (selector) {
      Array.prototype.forEach.call(out.querySelectorAll(selector), function (block) {
        if (!block.textContent.trim()) block.parentNode.removeChild(block);
      });
    });
    return out.innerHTML.trim();
  }

  function currentBlock() {
    var value = String(document.queryCommandValue("formatBlock") || "");
    return value.replace(/[<>]/g, "").toLowerCase();
  }

  function setup(box, markDirty) {
    var source = box.querySelector("textarea");
    var area = box.querySelector(".rt-area");
    var toolbar = box.querySelector(".rt-toolbar");
    if (!source || !area || !toolbar) return null;
    // The textarea holds the saved, server-sanitised HTML.
    area.innerHTML = source.value;
    area.hidden = false;
    toolbar.hidden = false;
    source.hidden = true;
    source.setAttribute("aria-hidden", "true");

    function sync() {
      source.value = normalise(area);
    }
    area.addEventListener("input", function () {
      sync();
      markDirty();
    });
    area.addEventListener("focus", function () {
      try {
        document.execCommand("defaultParagraphSeparator", false, "p");
        document.execCommand("styleWithCSS", false, false);
      } catch (ignored) { /* older browsers */ }
    });
    // Keep the selection in the text while a toolbar button is pressed.
    toolbar.addEventListener("mousedown", function (event) {
      if (event.target.closest("button")) event.preventDefault();
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-cmd]");
      if (!button) return;
      event.preventDefault();
      area.focus();
      var command = button.getAttribute("data-cmd");
      if (command === "heading") {
        document.execCommand("formatBlock", false, currentBlock() === "h3" ? "<p>" : "<h3>");
      } else {
        document.execCommand(command, false, null);
      }
      sync();
      markDirty();
    });
    return sync;
  }

  function setupIndicators(form, markDirty) {
    var rows = form.querySelector("[data-indicator-rows]");
    var add = form.querySelector("[data-add-indicator]");
    if (!rows || !add) return;
    add.hidden = false;
    add.addEventListener("click", function () {
      var last = rows.querySelector("tr:last-child");
      if (!last) return;
      var next = 0;
      rows.querySelectorAll("input[name^='indicator-']").forEach(function (input) {
        var match = /^indicator-(\d+)-/.exec(input.name);
        if (match) next = Math.max(next, parseInt(match[1], 10) + 1);
      });
      var row = last.cloneNode(true);
      row.querySelectorAll("input").forEach(function (input) {
        input.name = input.name.replace(/^indicator-\d+-/, "indicator-" + next + "-");
        input.value = "";
      });
      rows.appendChild(row);
      markDirty();
      var first = row.querySelector("input");
      if (first) first.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-report-editor]");
    if (!form) return;
    var dirty = false;
    function markDirty() { dirty = true; }
    var syncs = [];
    form.querySelectorAll(".rt").forEach(function (box) {
      var sync = setup(box, markDirty);
      if (sync) syncs.push(sync);
    });
    setupIndicators(form, markDirty);
    form.addEventListener("input", markDirty);
    form.addEventListener("submit", function () {
      syncs.forEach(function (sync) { sync(); });
      dirty = false;
    });
    // Warn before leaving the page (or uploading a file) with unsaved text.
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = "";
    });
  });
})();
