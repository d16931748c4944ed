// The console's own script: no inline script anywhere (the Content-Security-Policy forbids it),
// so the few behaviours htmx does not cover are wired here from data-* attributes.
(function () {
  "use strict";

  // Forms and buttons with data-confirm ask before doing something destructive.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var msg = form.getAttribute("data-confirm") || (e.submitter && e.submitter.getAttribute("data-confirm"));
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // <button data-open="dialog-id"> opens a <dialog>; <button data-close> closes its dialog.
  document.addEventListener("click", function (e) {
    var open = e.target.closest("[data-open]");
    if (open) {
      var d = document.getElementById(open.getAttribute("data-open"));
      if (d && d.showModal) { d.showModal(); var f = d.querySelector("input,textarea,select"); if (f) f.focus(); }
      e.preventDefault();
      return;
    }
    var close = e.target.closest("[data-close]");
    if (close) {
      var dlg = close.closest("dialog");
      if (dlg) dlg.close();
      e.preventDefault();
      return;
    }
    if (e.target.closest("[data-print]")) { window.print(); e.preventDefault(); }
  });

  // Charts: <div class="chart" data-chart='{ECharts option}'>. ECharts is loaded only on pages
  // that have charts (their "scripts" block).
  function charts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-chart-done")) return;
      var option;
      try { option = JSON.parse(el.getAttribute("data-chart")); } catch (err) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.setAttribute("data-chart-done", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  // data-autofocus inside swapped content; data-poll-done stops a progress poll.
  function ready(root) {
    charts(root);
    var f = root.querySelector && root.querySelector("[data-autofocus]");
    if (f) f.focus();
  }

  // <input data-count="counter-id" data-count-max="20">: the counter shows "n/20" as the clerk
  // types (characters as people count them, not UTF-16 units) and turns red over the limit.
  document.addEventListener("input", function (e) {
    var el = e.target;
    if (!el.getAttribute || !el.getAttribute("data-count")) return;
    var out = document.getElementById(el.getAttribute("data-count"));
    if (!out) return;
    var max = parseInt(el.getAttribute("data-count-max"), 10);
    var n = Array.from(el.value.trim()).length;
    out.textContent = n + "/" + max;
    out.classList.toggle("over", n > max);
  });

  document.addEventListener("DOMContentLoaded", function () { ready(document); });
  document.addEventListener("htmx:load", function (e) { ready(e.target); });
})();
