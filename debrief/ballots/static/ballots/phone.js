/* The ballot page. Plain ES5 for old phone browsers and in-app WebViews (WeChat,
 * DingTalk): no arrow functions, no let/const, no optional chaining, no fetch.
 *
 * - The ballot id is made on the phone once and kept in localStorage under the
 *   token, so a reload or a retry sends the same ballot id: the server records a
 *   ballot once per id and answers a repeat with the same receipt.
 * - On a network failure, a timeout or a 5xx the same ballot is sent again after
 *   1, 2, 4, ... up to 30 seconds, until the server answers.
 * - The ratings are kept locally only until the receipt arrives.
 */
(function () {
  "use strict";
  var root = document.getElementById("ballot");
  if (!root) { return; }
  var token = root.getAttribute("data-token") || "";
  var api = root.getAttribute("data-api") || "";
  var state = root.getAttribute("data-state");
  var storeKey = "debrief.ballot." + token;
  var texts = document.getElementById("texts");
  var memory = {};

  function text(name, values) {
    var value = (texts && texts.getAttribute("data-" + name)) || "";
    var key;
    for (key in values) {
      if (Object.prototype.hasOwnProperty.call(values, key)) {
        value = value.split("%(" + key + ")s").join(String(values[key]));
      }
    }
    return value;
  }

  function byId(id) { return document.getElementById(id); }
  function show(id, on) { var el = byId(id); if (el) { if (on) { el.removeAttribute("hidden"); } else { el.setAttribute("hidden", ""); } } }
  function setText(id, value) { var el = byId(id); if (el) { el.textContent = value; } }

  // -- storage (private browsing may forbid localStorage: fall back to memory) -----
  function load() {
    try {
      var raw = window.localStorage.getItem(storeKey);
      if (raw) { return JSON.parse(raw) || {}; }
    } catch (e) { /* unavailable */ }
    return memory[storeKey] || {};
  }
  function save(data) {
    memory[storeKey] = data;
    try { window.localStorage.setItem(storeKey, JSON.stringify(data)); } catch (e) { /* unavailable */ }
  }

  function uuid4() {
    var c = window.crypto || window.msCrypto;
    var bytes = [], i, hex = [];
    if (c && typeof c.randomUUID === "function") {
      try { return c.randomUUID(); } catch (e) { /* insecure context: fall through */ }
    }
    if (c && typeof c.getRandomValues === "function") {
      var arr = new Uint8Array(16);
      c.getRandomValues(arr);
      for (i = 0; i < 16; i++) { bytes.push(arr[i]); }
    } else {
      for (i = 0; i < 16; i++) { bytes.push(Math.floor(Math.random() * 256)); }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    for (i = 0; i < 16; i++) { hex.push((bytes[i] + 0x100).toString(16).substr(1)); }
    return hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" +
      hex.slice(6, 8).join("") + "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10, 16).join("");
  }

  function ballotId() {
    var data = load();
    if (!data.id) { data.id = uuid4(); save(data); }
    return data.id;
  }

  // -- HTTP ------------------------------------------------------------------------
  function request(method, url, body, done) {
    var xhr = new XMLHttpRequest();
    var finished = false;
    function finish() {
      var data = null;
      if (finished) { return; }
      finished = true;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      done(xhr.status || 0, data, xhr);
    }
    try {
      xhr.open(method, url, true);
      try { xhr.timeout = 20000; } catch (e) { /* old engines */ }
      xhr.setRequestHeader("Accept", "application/json");
      if (body) { xhr.setRequestHeader("Content-Type", "application/json"); }
      xhr.onreadystatechange = function () { if (xhr.readyState === 4) { finish(); } };
      xhr.ontimeout = finish;
      xhr.onerror = finish;
      xhr.send(body || null);
    } catch (e) {
      window.setTimeout(finish, 0);
    }
  }

  // -- outcomes --------------------------------------------------------------------
  function showReceipt(receipt, receiptsUrl) {
    var form = byId("ballot-form");
    if (form) { form.setAttribute("hidden", ""); }
    show("sending", false);
    show("problem", false);
    show("used-notice", false);
    show("closed-notice", false);
    setText("receipt", receipt);
    if (receiptsUrl && byId("receipts-link")) { byId("receipts-link").setAttribute("href", receiptsUrl); }
    show("done", true);
    try { window.scrollTo(0, 0); } catch (e) { /* ignore */ }
  }

  function showProblem(title, errors) {
    var list = byId("problem-list"), i, item;
    show("sending", false);
    setText("problem-title", title);
    if (list) {
      list.innerHTML = "";
      for (i = 0; errors && i < errors.length; i++) {
        item = document.createElement("li");
        item.textContent = errors[i];
        list.appendChild(item);
      }
    }
    show("problem", true);
  }

  function send(payload, attempt) {
    setText("sending-text", text("sending"));
    show("sending", true);
    show("problem", false);
    request("POST", api, JSON.stringify(payload), function (status, body, xhr) {
      var data = load(), delay;
      if ((status === 200 || status === 201) && body && body.receipt) {
        save({ id: data.id || payload.ballot_id, receipt: body.receipt, receiptsUrl: body.receipts_url });
        showReceipt(body.receipt, body.receipts_url);
        return;
      }
      if (status === 0 || status >= 500 || status === 429 || ((status === 200 || status === 201) && !(body && body.receipt))) {
        delay = Math.min(30, Math.pow(2, attempt));
        if (status === 429) {
          delay = Math.max(delay, parseInt(xhr.getResponseHeader("Retry-After"), 10) || 0);
        }
        setText("sending-text", text("retrying", { s: delay, n: attempt + 1 }));
        window.setTimeout(function () { send(payload, attempt + 1); }, delay * 1000);
        return;
      }
      // An answer that will not change by asking again: the ballot is not resent
      // after a reload (the ballot id is kept: nothing was recorded under it).
      delete data.payload;
      save(data);
      if (status === 409 && body && body.error === "token_used") {
        save({ id: data.id });
        finishForm();
        showProblem(text("used"), []);
        return;
      }
      if (status === 404) {
        finishForm();
        showProblem(text("unknown"), []);
        return;
      }
      if (status === 409) {
        unlock();
        showProblem((body && body.message) || text("not-open"), []);
        return;
      }
      unlock();
      showProblem((body && body.message) || text("refused"), (body && body.errors) || []);
    });
  }

  // -- the form ----------------------------------------------------------------------
  var form = byId("ballot-form");
  var ratings = {};
  var cards = [];
  var total = 0, requireAll = false, reasonPoor = false, maxGood = null, itemCount = 0;
  var busy = false;

  function closestWith(el, attribute) {
    while (el && el !== form) {
      if (el.getAttribute && el.getAttribute(attribute) !== null) { return el; }
      el = el.parentNode;
    }
    return null;
  }

  function render() {
    var i, id, card, buttons, j, rating, reasonBox, items, k, itemId, itemButtons, m;
    for (i = 0; i < cards.length; i++) {
      card = cards[i];
      id = card.getAttribute("data-reporter");
      rating = ratings[id] || {};
      buttons = card.querySelectorAll("[data-grade]");
      for (j = 0; j < buttons.length; j++) {
        buttons[j].setAttribute("aria-pressed", buttons[j].getAttribute("data-grade") === rating.grade ? "true" : "false");
      }
      items = card.querySelectorAll("[data-item]");
      for (k = 0; k < items.length; k++) {
        itemId = items[k].getAttribute("data-item");
        itemButtons = items[k].querySelectorAll("[data-item-grade]");
        for (m = 0; m < itemButtons.length; m++) {
          itemButtons[m].setAttribute("aria-pressed", rating.items && rating.items[itemId] === itemButtons[m].getAttribute("data-item-grade") ? "true" : "false");
        }
      }
      reasonBox = card.querySelector(".reason");
      if (!reasonBox && rating.grade === "poor") { reasonBox = reasonBoxFor(card, id); }
      if (reasonBox) {
        if (rating.grade === "poor") { reasonBox.removeAttribute("hidden"); } else { reasonBox.setAttribute("hidden", ""); }
        if (reasonBox.querySelector("textarea").value !== (rating.reason || "")) {
          reasonBox.querySelector("textarea").value = rating.reason || "";
        }
      }
      if (rating.grade) { card.className = "reporter rated"; } else { card.className = "reporter"; }
    }
    check();
  }

  // The reason box is made when a reporter is first rated poor (one template in
  // the page instead of a hidden box per reporter keeps the page small).
  function reasonBoxFor(card, id) {
    var template = byId("reason-template");
    var box;
    if (!template) { return null; }
    box = template.cloneNode(true);
    box.removeAttribute("id");
    box.querySelector("textarea").setAttribute("data-testid", "reason-" + id);
    card.appendChild(box);
    return box;
  }

  function problems() {
    var done = 0, good = 0, missingReason = false, missingItems = false, id, rating, key, count;
    var found = [];
    for (id in ratings) {
      if (!Object.prototype.hasOwnProperty.call(ratings, id) || !ratings[id].grade) { continue; }
      rating = ratings[id];
      done += 1;
      if (rating.grade === "good") { good += 1; }
      if (rating.grade === "poor" && reasonPoor && !(rating.reason || "").replace(/^\s+|\s+$/g, "")) { missingReason = true; }
      if (itemCount && requireAll) {
        count = 0;
        for (key in rating.items || {}) { if (Object.prototype.hasOwnProperty.call(rating.items, key)) { count += 1; } }
        if (count < itemCount) { missingItems = true; }
      }
    }
    if (done === 0) { found.push(text("rate-one")); } else if (requireAll && done < total) { found.push(text("rate-all", { done: done, total: total })); }
    if (missingItems) { found.push(text("rate-items")); }
    if (maxGood !== null && good > maxGood) { found.push(text("too-many-good", { n: maxGood, done: good })); }
    if (missingReason) { found.push(text("reason")); }
    return { done: done, list: found };
  }

  function check() {
    var result = problems();
    var hint = byId("hint");
    setText("rated-count", result.done + " / " + total);
    if (hint) {
      hint.textContent = result.list.length ? result.list[0] : text("ready");
      hint.className = result.list.length ? "hint" : "hint ok";
    }
    var button = byId("submit-ballot");
    if (button) { button.disabled = busy || result.list.length > 0; }
    return result.list.length === 0;
  }

  function remember() {
    var data = load();
    data.draft = ratings;
    save(data);
  }

  function buildRatings() {
    var list = [], i, id, rating, entry, reason;
    for (i = 0; i < cards.length; i++) {
      id = cards[i].getAttribute("data-reporter");
      rating = ratings[id];
      if (!rating || !rating.grade) { continue; }
      entry = { reporter: parseInt(id, 10), grade: rating.grade };
      reason = (rating.reason || "").replace(/^\s+|\s+$/g, "");
      if (rating.grade === "poor" && reason) { entry.reason = reason; }
      if (itemCount && rating.items) { entry.items = rating.items; }
      list.push(entry);
    }
    return list;
  }

  function lock() {
    var controls = form.querySelectorAll("button, textarea"), i;
    busy = true;
    for (i = 0; i < controls.length; i++) { controls[i].disabled = true; }
  }
  function unlock() {
    var controls, i;
    busy = false;
    if (!form) { return; }
    controls = form.querySelectorAll("button, textarea");
    for (i = 0; i < controls.length; i++) { controls[i].disabled = false; }
    check();
  }
  function finishForm() { if (form) { form.setAttribute("hidden", ""); } }

  function setupForm() {
    var i, data = load(), nodes;
    total = parseInt(form.getAttribute("data-total"), 10) || 0;
    requireAll = form.getAttribute("data-require-all") === "1";
    reasonPoor = form.getAttribute("data-reason-poor") === "1";
    itemCount = parseInt(form.getAttribute("data-items"), 10) || 0;
    maxGood = form.getAttribute("data-max-good") === "" ? null : parseInt(form.getAttribute("data-max-good"), 10);
    nodes = form.querySelectorAll("[data-reporter]");
    for (i = 0; i < nodes.length; i++) { cards.push(nodes[i]); }
    // Ratings made before a reload come back (only reporters still on the form).
    if (data.draft) {
      for (i = 0; i < cards.length; i++) {
        if (data.draft[cards[i].getAttribute("data-reporter")]) {
          ratings[cards[i].getAttribute("data-reporter")] = data.draft[cards[i].getAttribute("data-reporter")];
        }
      }
    }
    form.addEventListener("click", function (event) {
      var button = closestWith(event.target, "data-grade") || closestWith(event.target, "data-item-grade");
      var card, id, item;
      if (!button || busy) { return; }
      card = closestWith(button, "data-reporter");
      if (!card) { return; }
      id = card.getAttribute("data-reporter");
      ratings[id] = ratings[id] || {};
      if (button.getAttribute("data-grade") !== null) {
        ratings[id].grade = button.getAttribute("data-grade");
      } else {
        item = closestWith(button, "data-item");
        ratings[id].items = ratings[id].items || {};
        ratings[id].items[item.getAttribute("data-item")] = button.getAttribute("data-item-grade");
      }
      render();
      remember();
    });
    form.addEventListener("input", function (event) {
      var card = closestWith(event.target, "data-reporter");
      if (!card || event.target.tagName !== "TEXTAREA") { return; }
      ratings[card.getAttribute("data-reporter")] = ratings[card.getAttribute("data-reporter")] || {};
      ratings[card.getAttribute("data-reporter")].reason = event.target.value;
      check();
      remember();
    });
    byId("submit-ballot").addEventListener("click", function (event) {
      var payload, stored;
      event.preventDefault();
      if (busy || !check()) { return; }
      payload = { ballot_id: ballotId(), ratings: buildRatings() };
      stored = load();
      stored.payload = payload;
      save(stored);
      lock();
      send(payload, 0);
    });
    render();
  }

  // -- start -------------------------------------------------------------------------
  var saved = load();
  if (saved.receipt) {
    showReceipt(saved.receipt, saved.receiptsUrl);
    return;
  }
  if (state === "voted" && saved.payload) {
    // Our ballot reached the server but its answer did not reach us: ask again
    // with the same ballot id, which returns the same receipt.
    finishForm();
    send(saved.payload, 0);
    return;
  }
  if (state === "open" && form) {
    setupForm();
    if (saved.payload) { lock(); send(saved.payload, 0); }
    return;
  }
  if (state === "draft" && api) {
    // Look every 15 seconds whether the evaluation has opened.
    window.setInterval(function () {
      request("GET", api, null, function (status, body) {
        if (status === 200 && body && body.status !== "draft") { window.location.reload(); }
      });
    }, 15000);
  }
})();
