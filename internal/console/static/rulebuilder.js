// The rule builder of the notice and policy forms: conditions chosen from lists instead of a
// rule typed as JSON. It reads the audience catalogue the server renders into the page
// (<div id="audience-catalogue" data-catalogue="{JSON}">, swapped in by htmx when the form
// loads) and writes the rule into the form's textarea (name="rule"), which is what the form
// posts and what "检查人数" sends: the server stays the judge of the rule.
//
// <fieldset data-rule-builder="textarea-id" data-advanced="details-id"> holds the builder. It
// shows a flat rule (all or any of conditions); anything else (nested any/not, JSON it cannot
// read) it leaves alone and says so, and the JSON is edited in the <details> below.
(function () {
  "use strict";

  var MAX_ROWS = 40; // audience.MaxLeaves
  var LIST_OPS = { in: true, not_in: true, has_any: true, has_all: true, has_none: true };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "hidden") e.hidden = !!attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  function catalogue() {
    var s = document.getElementById("audience-catalogue");
    if (!s) return null;
    try { return JSON.parse(s.getAttribute("data-catalogue")); } catch (err) { return null; }
  }

  function isInt(v) { return typeof v === "number" && isFinite(v) && Math.floor(v) === v; }
  function isStr(v) { return typeof v === "string" && v !== ""; }

  // Builder: one per fieldset.
  function Builder(box, cat) {
    this.box = box;
    this.cat = cat;
    this.fields = {};
    cat.fields.forEach(function (f) { this.fields[f.name] = f; }, this);
    this.townNames = {};
    (cat.townships || []).forEach(function (t) { this.townNames[t.code] = t.name; }, this);
    this.text = document.getElementById(box.getAttribute("data-rule-builder"));
    this.advanced = document.getElementById(box.getAttribute("data-advanced"));
    this.rows = [];
    this.join = "all";
    this.seq = 0;
    this.render();
    this.load(true);
  }

  Builder.prototype.render = function () {
    var self = this, id = this.text.id;
    this.box.querySelectorAll(".rb-loading").forEach(function (n) { n.remove(); });
    var joinAll = el("input", { type: "radio", name: id + "-join", value: "all", id: id + "-join-all" });
    var joinAny = el("input", { type: "radio", name: id + "-join", value: "any", id: id + "-join-any" });
    this.joinAll = joinAll;
    this.joinAny = joinAny;
    this.joinBox = el("div", { class: "rb-join", role: "radiogroup", "aria-label": "条件之间的关系" }, [
      el("label", { class: "check", for: joinAll.id }, [joinAll, document.createTextNode(" 满足以下全部条件")]),
      el("label", { class: "check", for: joinAny.id }, [joinAny, document.createTextNode(" 满足任一条件")])
    ]);
    [joinAll, joinAny].forEach(function (r) {
      r.addEventListener("change", function () { self.join = r.value; self.write(); });
    });
    this.list = el("ol", { class: "rb-rows" });
    this.addButton = el("button", { type: "button", class: "rb-add", text: "＋ 添加条件" });
    this.addButton.addEventListener("click", function () { self.addRow(null, true); self.write(); });
    this.complex = el("div", { class: "notice rb-complex", hidden: true });
    this.complexText = el("p", {});
    var reset = el("button", { type: "button", class: "rb-reset", text: "清除这条规则，改用条件选择" });
    reset.addEventListener("click", function () {
      self.text.value = "";
      self.load(false);
      self.write();
      var f = self.list.querySelector("select");
      if (f) f.focus();
    });
    this.complex.appendChild(this.complexText);
    this.complex.appendChild(reset);
    this.status = el("p", { class: "rb-status small", "aria-live": "polite" });
    this.body = el("div", { class: "rb-body" }, [this.joinBox, this.list, el("div", { class: "actions" }, [this.addButton])]);
    this.box.appendChild(this.complex);
    this.box.appendChild(this.body);
    this.box.appendChild(this.status);
    this.box.classList.add("rb-ready");

    // The clerk may still type the JSON: the builder follows when it can show the rule.
    this.text.addEventListener("input", function () { self.load(false); });
    // A required, empty rule in a closed <details>: open it, and say what is missing.
    this.text.addEventListener("invalid", function () {
      if (self.advanced) self.advanced.open = true;
      self.say("请至少添加一个条件，并选好它的值。", true);
    });
  };

  Builder.prototype.say = function (msg, bad) {
    this.status.textContent = msg || "";
    this.status.classList.toggle("rb-bad", !!bad);
  };

  // load fills the builder from the textarea; first is the page's load (a draft, an edit).
  Builder.prototype.load = function (first) {
    var rule = this.parse(this.text.value);
    this.list.textContent = "";
    this.rows = [];
    if (!rule) {
      var bad = this.text.value.trim();
      var json = true;
      try { JSON.parse(bad); } catch (err) { json = false; }
      this.complexText.textContent = json ? "此规则较复杂，请在下方直接编辑。" : "下方的规则不是正确的 JSON，请在下方直接修改。";
      this.complex.hidden = false;
      this.body.hidden = true;
      this.say("");
      if (first && this.advanced) this.advanced.open = true;
      return;
    }
    this.complex.hidden = true;
    this.body.hidden = false;
    this.join = rule.join;
    this.joinAll.checked = rule.join === "all";
    this.joinAny.checked = rule.join === "any";
    rule.leaves.forEach(function (l) { this.addRow(l, false); }, this);
    if (this.rows.length === 0) this.addRow(null, false);
    this.check();
  };

  // parse reads a rule the builder can show: {all|any: [conditions]}, one condition, or
  // nothing. Anything else is null.
  Builder.prototype.parse = function (text) {
    text = (text || "").trim();
    if (text === "" || text === "null") return { join: "all", leaves: [] };
    var r;
    try { r = JSON.parse(text); } catch (err) { return null; }
    if (!r || typeof r !== "object" || Array.isArray(r)) return null;
    var keys = Object.keys(r);
    var join = "all", list = [r];
    if (keys.length === 1 && (keys[0] === "all" || keys[0] === "any")) {
      join = keys[0];
      list = r[join];
      if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ROWS) return null;
    }
    var leaves = [];
    for (var i = 0; i < list.length; i++) {
      var l = this.leaf(list[i]);
      if (!l) return null;
      leaves.push(l);
    }
    return { join: join, leaves: leaves };
  };

  // leaf checks one condition's shape against the catalogue (the server checks the rest).
  Builder.prototype.leaf = function (c) {
    if (!c || typeof c !== "object" || Array.isArray(c)) return null;
    var ok = Object.keys(c).every(function (k) { return k === "field" || k === "op" || k === "value"; });
    var f = ok && this.fields[c.field];
    if (!f || !f.ops.some(function (o) { return o.op === c.op; })) return null;
    var v = c.value;
    switch (f.type) {
      case "bool":
        if (typeof v !== "boolean") return null;
        break;
      case "int":
        if (c.op === "between") {
          if (!Array.isArray(v) || v.length !== 2 || !isInt(v[0]) || !isInt(v[1])) return null;
        } else if (!isInt(v)) return null;
        break;
      default:
        if (LIST_OPS[c.op]) {
          if (!Array.isArray(v) || v.length === 0 || !v.every(isStr)) return null;
        } else if (!isStr(v)) return null;
    }
    return { field: c.field, op: c.op, value: v };
  };

  Builder.prototype.addRow = function (leaf, focus) {
    if (this.rows.length >= MAX_ROWS) return;
    var row = { id: this.text.id + "-c" + (++this.seq), field: "", op: "", value: undefined, town: "" };
    if (leaf) {
      row.field = leaf.field;
      row.op = leaf.op;
      row.value = leaf.value;
    }
    row.li = el("li", { class: "rb-row" });
    this.rows.push(row);
    this.list.appendChild(row.li);
    this.drawRow(row);
    this.renumber();
    if (focus) row.li.querySelector(".rb-field").focus();
  };

  Builder.prototype.removeRow = function (row) {
    var i = this.rows.indexOf(row);
    this.rows.splice(i, 1);
    row.li.remove();
    if (this.rows.length === 0) this.addRow(null, false);
    this.renumber();
    this.write();
    var next = this.rows[Math.min(i, this.rows.length - 1)];
    next.li.querySelector(".rb-field").focus();
  };

  // renumber names each row's controls after its place ("条件 2：字段"), for screen readers.
  Builder.prototype.renumber = function () {
    this.rows.forEach(function (row, i) {
      var n = "条件 " + (i + 1);
      row.li.querySelector(".rb-num").textContent = n;
      row.li.querySelectorAll("[data-what]").forEach(function (c) {
        c.setAttribute("aria-label", n + "：" + c.getAttribute("data-what"));
      });
    });
    this.addButton.disabled = this.rows.length >= MAX_ROWS;
  };

  Builder.prototype.drawRow = function (row) {
    var self = this, f = this.fields[row.field];
    row.li.textContent = "";
    var field = el("select", { class: "rb-field", "data-what": "字段" }, [el("option", { value: "", text: "请选择条件…" })]);
    this.cat.fields.forEach(function (cf) {
      var o = el("option", { value: cf.name, text: cf.label });
      if (cf.name === row.field) o.selected = true;
      field.appendChild(o);
    });
    field.addEventListener("change", function () {
      row.field = field.value;
      var nf = self.fields[row.field];
      // Keep the operator when the new field takes it (a list of codes never carries over).
      if (!nf || !nf.ops.some(function (o) { return o.op === row.op; })) row.op = nf ? nf.ops[0].op : "";
      row.value = undefined;
      row.town = "";
      if (nf && nf.type === "bool") row.value = true;
      self.drawRow(row);
      self.renumber();
      self.write();
      row.li.querySelector(".rb-field").focus();
    });
    var parts = [el("span", { class: "rb-num" }), field];
    if (f) {
      var op = el("select", { class: "rb-op", "data-what": "怎样比较" });
      f.ops.forEach(function (o) {
        var opt = el("option", { value: o.op, text: o.label });
        if (o.op === row.op) opt.selected = true;
        op.appendChild(opt);
      });
      op.addEventListener("change", function () {
        var wasList = !!LIST_OPS[row.op], wasBetween = row.op === "between";
        row.op = op.value;
        // Carry the value over where it still fits: one code ⇄ a list of one, a number ⇄ a range.
        if (f.type === "int") {
          if (row.op === "between" && !wasBetween) row.value = isInt(row.value) ? [row.value, row.value] : undefined;
          else if (row.op !== "between" && wasBetween) row.value = Array.isArray(row.value) ? row.value[0] : undefined;
        } else if (f.type !== "bool") {
          if (LIST_OPS[row.op] && !wasList) row.value = isStr(row.value) ? [row.value] : undefined;
          else if (!LIST_OPS[row.op] && wasList) row.value = Array.isArray(row.value) && row.value.length ? row.value[0] : undefined;
        }
        self.drawRow(row);
        self.renumber();
        self.write();
        row.li.querySelector(".rb-op").focus();
      });
      parts.push(op);
      parts.push(this.valueInput(row, f));
    }
    var remove = el("button", { type: "button", class: "rb-remove", "data-what": "删除这个条件", text: "删除" });
    remove.addEventListener("click", function () { self.removeRow(row); });
    parts.push(remove);
    parts.forEach(function (p) { row.li.appendChild(p); });
  };

  // choices are the field's values as {code, label}, with codes of the rule that today's lists
  // no longer have (a retired option) kept, so that editing never drops them unseen.
  Builder.prototype.choices = function (row, f) {
    var list = f.values.slice();
    var have = {};
    list.forEach(function (v) { have[v.code] = true; });
    [].concat(row.value === undefined ? [] : row.value).forEach(function (c) {
      if (typeof c === "string" && !have[c]) { list.push({ code: c, label: c + "（不在现有列表中）", group: row.town }); have[c] = true; }
    });
    return list;
  };

  Builder.prototype.valueInput = function (row, f) {
    var self = this;
    var span = el("span", { class: "rb-value" });
    function changed() { self.write(); }
    if (f.type === "bool") {
      var yn = el("select", { class: "rb-bool", "data-what": "是或否" }, [
        el("option", { value: "true", text: "是" }), el("option", { value: "false", text: "否" })]);
      if (row.value === undefined) row.value = true;
      yn.value = row.value ? "true" : "false";
      yn.addEventListener("change", function () { row.value = yn.value === "true"; changed(); });
      span.appendChild(yn);
      return span;
    }
    if (f.type === "int") {
      var num = function (v, what) {
        var i = el("input", { type: "number", step: "1", min: "0", max: "10000", inputmode: "numeric", class: "rb-num-input", "data-what": what });
        if (isInt(v)) i.value = String(v);
        return i;
      };
      var unit = f.name === "age" ? "岁" : "个月";
      if (row.op === "between") {
        var pair = Array.isArray(row.value) ? row.value : [];
        var lo = num(pair[0], "从"), hi = num(pair[1], "到");
        var both = function () {
          var a = parseInt(lo.value, 10), b = parseInt(hi.value, 10);
          row.value = [isNaN(a) ? null : a, isNaN(b) ? null : b];
          changed();
        };
        lo.addEventListener("input", both);
        hi.addEventListener("input", both);
        [lo, el("span", { class: "muted", text: "到" }), hi, el("span", { class: "muted", text: unit + "（含两端）" })].forEach(function (n) { span.appendChild(n); });
      } else {
        var one = num(row.value, "数值");
        one.addEventListener("input", function () {
          var a = parseInt(one.value, 10);
          row.value = isNaN(a) ? undefined : a;
          changed();
        });
        span.appendChild(one);
        span.appendChild(el("span", { class: "muted", text: unit }));
      }
      return span;
    }
    // Codes: a township first for a village, then one code (a select) or several (checkboxes).
    var list = this.choices(row, f);
    if (f.region === "village") {
      if (!row.town) {
        var first = [].concat(row.value === undefined ? [] : row.value)[0];
        list.forEach(function (v) { if (v.code === first) row.town = v.group || ""; });
      }
      var town = el("select", { class: "rb-town", "data-what": "先选镇（街道）" }, [el("option", { value: "", text: "先选镇（街道）…" })]);
      (this.cat.townships || []).forEach(function (t) {
        var o = el("option", { value: t.code, text: t.name });
        if (t.code === row.town) o.selected = true;
        town.appendChild(o);
      });
      town.addEventListener("change", function () {
        row.town = town.value;
        row.value = undefined;
        self.drawRow(row);
        self.renumber();
        self.write();
        row.li.querySelector(".rb-town").focus();
      });
      span.appendChild(town);
      list = list.filter(function (v) { return v.group === row.town || (v.group || "") === "" && row.town === ""; });
      if (!row.town) return span;
    }
    if (list.length === 0) {
      // An open list with nothing in it today: the codes are typed.
      var codes = el("input", { type: "text", class: "rb-codes", "data-what": "代码（多个用逗号分开）", placeholder: "代码，多个用逗号分开" });
      codes.value = [].concat(row.value === undefined ? [] : row.value).join(",");
      codes.addEventListener("input", function () {
        var cs = codes.value.split(/[,，、\s]+/).filter(Boolean);
        row.value = LIST_OPS[row.op] ? cs : cs[0];
        changed();
      });
      span.appendChild(codes);
      return span;
    }
    if (!LIST_OPS[row.op]) {
      var sel = el("select", { class: "rb-one", "data-what": "值" }, [el("option", { value: "", text: "请选择…" })]);
      list.forEach(function (v) {
        var o = el("option", { value: v.code, text: v.label });
        if (v.code === row.value) o.selected = true;
        sel.appendChild(o);
      });
      sel.addEventListener("change", function () { row.value = sel.value || undefined; changed(); });
      span.appendChild(sel);
      return span;
    }
    var picked = {};
    (Array.isArray(row.value) ? row.value : []).forEach(function (c) { picked[c] = true; });
    var group = el("span", { class: "rb-checks", role: "group", "data-what": "可多选" });
    list.forEach(function (v, i) {
      var box = el("input", { type: "checkbox", value: v.code, id: row.id + "-v" + i });
      box.checked = !!picked[v.code];
      box.addEventListener("change", function () {
        // In the list's order, whatever the order of the clicks.
        row.value = list.filter(function (x) { return group.querySelector('input[value="' + CSS.escape(x.code) + '"]').checked; })
          .map(function (x) { return x.code; });
        changed();
      });
      group.appendChild(el("label", { class: "check", for: box.id }, [box, document.createTextNode(" " + v.label)]));
    });
    span.appendChild(group);
    return span;
  };

  // condition is a row as a rule's condition. A row with a field but no value yet is written
  // without it, so that saving says what is missing instead of dropping the condition.
  Builder.prototype.condition = function (row) {
    var f = this.fields[row.field];
    var c = { field: row.field, op: row.op };
    if (!f) return null;
    var v = row.value;
    if (f.type === "int" && row.op === "between") {
      if (Array.isArray(v) && isInt(v[0]) && isInt(v[1])) c.value = v;
    } else if (LIST_OPS[row.op]) {
      c.value = Array.isArray(v) ? v : [];
    } else if (v !== undefined && v !== null && v !== "") {
      c.value = v;
    }
    return c;
  };

  // check says which rows still need a value.
  Builder.prototype.check = function () {
    var missing = [];
    this.rows.forEach(function (row, i) {
      var c = this.condition(row);
      var bad = c && (c.value === undefined || (Array.isArray(c.value) && c.value.length === 0));
      row.li.classList.toggle("rb-incomplete", !!bad);
      if (bad) missing.push(i + 1);
    }, this);
    if (missing.length) this.say("条件 " + missing.join("、") + " 还没有选好值。", true);
    else this.say("");
  };

  Builder.prototype.write = function () {
    var conds = [];
    this.rows.forEach(function (row) {
      var c = this.condition(row);
      if (c) conds.push(c);
    }, this);
    var rule = {};
    rule[this.join] = conds;
    this.text.value = conds.length ? JSON.stringify(rule) : "";
    this.check();
  };

  // start builds the page's builders once the catalogue is there (htmx swaps it in).
  function start() {
    var cat = null;
    document.querySelectorAll("[data-rule-builder]").forEach(function (box) {
      if (box.rb || !document.getElementById(box.getAttribute("data-rule-builder"))) return;
      cat = cat || catalogue();
      if (cat) box.rb = new Builder(box, cat);
    });
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:load", start);
})();
