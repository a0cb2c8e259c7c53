// Presenter view: the speech countdown and keyboard navigation for the projector.
// Data comes from data-attributes on .stage (no inline script: CSP forbids it).
// Keys: Space start/pause, → / PageDown next speaker, ← / PageUp previous, R reset,
// F full screen. The speaker index is in the URL (?i=n), so a reload keeps the place;
// the countdown itself is kept in sessionStorage, so a reload does not lose it either.
(function () {
  "use strict";

  var stage = document.querySelector(".stage");
  var display = document.querySelector("[data-testid='countdown']");
  if (!stage) return;

  var total = parseInt(stage.getAttribute("data-seconds"), 10) || 0;
  var previousUrl = stage.getAttribute("data-previous-url");
  var nextUrl = stage.getAttribute("data-next-url");
  var stateKey = stage.getAttribute("data-state-key");
  var toggle = document.querySelector("[data-action='toggle']");

  // elapsed: seconds counted before the current run; since: Date.now() when the
  // current run began, or null while paused.
  var state = { elapsed: 0, since: null };

  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(stateKey) || "null");
      if (saved && typeof saved.elapsed === "number") state = saved;
    } catch (error) { /* storage unavailable or corrupt: start afresh */ }
  }

  function save() {
    try { window.sessionStorage.setItem(stateKey, JSON.stringify(state)); } catch (error) { /* ignore */ }
  }

  function elapsed() {
    var running = state.since === null ? 0 : (Date.now() - state.since) / 1000;
    return state.elapsed + running;
  }

  function pad(number) { return (number < 10 ? "0" : "") + number; }

  function format(seconds) {
    var whole = Math.abs(seconds);
    var text = pad(Math.floor(whole / 60)) + ":" + pad(whole % 60);
    return seconds < 0 ? "−" + text : text;
  }

  function render() {
    if (!display) return;
    // Count down in whole seconds; once time is up, count the overtime upwards.
    var left = Math.ceil(total - elapsed()) || 0;  // || 0: no "−00:00"
    display.textContent = format(left);
    display.classList.toggle("warning", left > 0 && left <= 60);
    display.classList.toggle("overtime", left <= 0 && elapsed() > 0);
    display.classList.toggle("running", state.since !== null);
    if (toggle) {
      var label = state.since !== null ? "data-label-pause"
        : (state.elapsed > 0 ? "data-label-resume" : "data-label-start");
      toggle.textContent = toggle.getAttribute(label);
    }
  }

  function startPause() {
    if (state.since === null) {
      state.since = Date.now();
    } else {
      state.elapsed = elapsed();
      state.since = null;
    }
    save();
    render();
  }

  function reset() {
    state = { elapsed: 0, since: null };
    save();
    render();
  }

  function go(url) { if (url) window.location.href = url; }

  function fullscreen() {
    if (document.fullscreenElement) {
      if (document.exitFullscreen) document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-action]") : null;
    if (!button) return;
    var action = button.getAttribute("data-action");
    if (action === "toggle") startPause();
    else if (action === "reset") reset();
    else if (action === "fullscreen") fullscreen();
    button.blur();  // so that Space does not also "click" the focused button
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    var key = event.key;
    if (key === " " || key === "Spacebar") {
      event.preventDefault();
      if (display) startPause();
    } else if (key === "ArrowRight" || key === "PageDown") {
      event.preventDefault();
      go(nextUrl);
    } else if (key === "ArrowLeft" || key === "PageUp") {
      event.preventDefault();
      go(previousUrl);
    } else if (key === "r" || key === "R") {
      if (display) reset();
    } else if (key === "f" || key === "F") {
      fullscreen();
    }
  });

  load();
  render();
  window.setInterval(render, 250);
})();
