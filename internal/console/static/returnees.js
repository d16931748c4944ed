// The registry pages' script (no inline script: the Content-Security-Policy forbids it).
// - The import form shows its upload's progress (htmx's htmx:xhr:progress events), then that
//   the server is importing.
// - Village pickers list only the chosen township's villages.
// - Forms with data-download (the export) fetch their file with a progress bar and save it;
//   an error answer is shown in the form. Without this script the form downloads as usual.
(function () {
  "use strict";

  // <select data-villages-of="township-select-id">: only the villages of the chosen township.
  function syncVillages(villages) {
    var town = document.getElementById(villages.getAttribute("data-villages-of"));
    if (!town) return;
    villages.querySelectorAll("optgroup").forEach(function (g) {
      var other = town.value !== "" && g.getAttribute("data-township") !== town.value;
      g.hidden = other;
      g.disabled = other;
    });
    var sel = villages.options[villages.selectedIndex];
    if (sel && sel.parentNode.disabled) villages.value = "";
  }
  function syncAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("select[data-villages-of]").forEach(syncVillages);
  }
  document.addEventListener("DOMContentLoaded", function () { syncAll(document); });
  document.addEventListener("htmx:load", function (e) { syncAll(e.target); });
  document.addEventListener("change", function (e) {
    if (!e.target.id) return;
    document.querySelectorAll('select[data-villages-of="' + e.target.id + '"]').forEach(syncVillages);
  }, true);

  function importParts(form) {
    return {
      box: document.getElementById("import-progress-box"),
      bar: document.getElementById("import-progress"),
      label: document.getElementById("import-progress-label")
    };
  }

  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.target.id !== "import-form") return;
    var p = importParts(e.target);
    p.box.hidden = false;
    p.bar.value = 0;
    p.bar.setAttribute("value", "0");
    p.label.textContent = "正在上传…";
  });

  document.addEventListener("htmx:xhr:progress", function (e) {
    if (e.target.id !== "import-form" || !e.detail.lengthComputable) return;
    var p = importParts(e.target);
    var pct = Math.round(e.detail.loaded * 100 / e.detail.total);
    p.bar.value = pct;
    p.label.textContent = pct < 100 ? "正在上传… " + pct + "%" : "上传完成，正在逐行检查并导入…";
    if (pct >= 100) p.bar.removeAttribute("value"); // indeterminate while the server works
  });

  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.target.id !== "import-form") return;
    var p = importParts(e.target);
    p.box.hidden = true;
    var file = document.getElementById("import-file");
    if (e.detail.successful && file) file.value = "";
  });

  function fileName(res) {
    var cd = res.headers.get("Content-Disposition") || "";
    var m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    return m ? decodeURIComponent(m[1]) : "download.xlsx";
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute("data-download") || e.defaultPrevented || !window.fetch || !window.ReadableStream) return;
    e.preventDefault();
    var box = form.querySelector("[data-download-progress]");
    var bar = box.querySelector("progress");
    var label = box.querySelector("[data-download-label]");
    var errBox = form.querySelector("[data-download-error]");
    var button = form.querySelector("button[type=submit]");
    errBox.textContent = "";
    box.hidden = false;
    bar.removeAttribute("value");
    label.textContent = "正在生成表格…";
    button.disabled = true;
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (res) {
        if (!res.ok) {
          return res.text().then(function (html) {
            var tmp = document.createElement("div");
            tmp.innerHTML = html; // the console's own error fragment (no script runs from innerHTML)
            errBox.textContent = "";
            var msg = document.createElement("div");
            msg.className = "flash flash-error";
            msg.setAttribute("role", "alert");
            msg.textContent = tmp.textContent.trim() || "导出失败，请稍后重试";
            errBox.appendChild(msg);
          });
        }
        var total = Number(res.headers.get("Content-Length")) || 0;
        var name = fileName(res);
        var reader = res.body.getReader();
        var chunks = [];
        var got = 0;
        label.textContent = "正在下载…";
        function pump() {
          return reader.read().then(function (step) {
            if (step.done) return;
            chunks.push(step.value);
            got += step.value.length;
            if (total) {
              bar.max = 100;
              bar.value = Math.round(got * 100 / total);
              label.textContent = "正在下载… " + Math.round(got * 100 / total) + "%";
            }
            return pump();
          });
        }
        return pump().then(function () {
          var url = URL.createObjectURL(new Blob(chunks, { type: res.headers.get("Content-Type") || "application/octet-stream" }));
          var a = document.createElement("a");
          a.href = url;
          a.download = name;
          document.body.appendChild(a);
          a.click();
          a.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
          var ok = document.createElement("div");
          ok.className = "flash flash-ok";
          ok.setAttribute("role", "status");
          ok.textContent = "已导出：" + name;
          errBox.appendChild(ok);
        });
      })
      .catch(function () {
        errBox.textContent = "网络中断，导出未完成，请重试";
      })
      .then(function () {
        box.hidden = true;
        button.disabled = false;
      });
  });
})();
