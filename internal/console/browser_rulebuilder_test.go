package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// rowSel is a control of the n-th condition (1-based) of the builder of textarea id.
func rowSel(id string, n int, css string) string {
	return fmt.Sprintf(`fieldset[data-rule-builder=%q] .rb-row:nth-child(%d) %s`, id, n, css)
}

// choose picks value in a select as a clerk does (the value, then the change event).
func choose(css, value string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		js := fmt.Sprintf(`(function(){var s=document.querySelector(%q); if(!s) return false; s.focus(); s.value=%q;
			s.dispatchEvent(new Event('change',{bubbles:true})); return s.value===%q;})()`, css, value, value)
		ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
		if err != nil {
			return chromedp.Void{}, err
		}
		if !ok {
			return chromedp.Void{}, fmt.Errorf("cannot choose %q in %s", value, css)
		}
		return chromedp.Void{}, nil
	}
}

// sameJSON compares two rules as JSON values.
func sameJSON(t testing.TB, got, want string) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal([]byte(got), &a); err != nil {
		t.Fatalf("not JSON: %q", got)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(a, b)
}

// TestBrowser_RuleBuilderNotice: demo_hrss builds "已返乡 + 创业意向是正在考虑或正在筹备 + 贺胜桥镇"
// with the builder only (no JSON typed), checks the count (the rule read with names), saves
// the notice, and the saved rule is that rule.
func TestBrowser_RuleBuilderNotice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := browsertest.New(t, browsertest.Timeout(90*time.Second))
	signInBrowser(t, ctx, e, "demo_hrss")
	b := `fieldset[data-rule-builder="n-rule"]`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/console/notices/new"),
		chromedp.WaitVisible(chromedp.CSS(b+`.rb-ready .rb-row .rb-field`)),
		chromedp.SendKeys(chromedp.ID("n-title"), "返乡创业补贴开始申报"),
		chromedp.SendKeys(chromedp.ID("n-push"), "返乡创业补贴开始申报"),
		chromedp.SendKeys(chromedp.ID("n-body"), "符合条件的返乡人员可在小程序“政策”里查看并申请。"),
	); err != nil {
		t.Fatal(err)
	}
	shotAs(t, ctx, "rulebuilder-notice-empty")
	if err := chromedp.Do(ctx,
		choose(rowSel("n-rule", 1, ".rb-field"), "returnee_status"),
		chromedp.WaitVisible(chromedp.CSS(rowSel("n-rule", 1, ".rb-one"))),
		choose(rowSel("n-rule", 1, ".rb-one"), "returned"),
	); err != nil {
		t.Fatal(err)
	}
	// Without a mouse: Enter on 添加条件 adds a row and puts the focus on its field.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(b+` .rb-add`)), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.getAttribute('aria-label')`)); err != nil || got != "条件 2：字段" {
		t.Fatalf("focus after 添加条件: %q (%v)", got, err)
	}
	if err := chromedp.Do(ctx,
		choose(rowSel("n-rule", 2, ".rb-field"), "startup_intention"),
		choose(rowSel("n-rule", 2, ".rb-op"), "in"),
		chromedp.WaitVisible(chromedp.CSS(rowSel("n-rule", 2, `.rb-checks input[value=considering]`))),
		chromedp.Click(chromedp.CSS(rowSel("n-rule", 2, `.rb-checks input[value=preparing]`))),
		chromedp.Click(chromedp.CSS(rowSel("n-rule", 2, `.rb-checks input[value=considering]`))),
		chromedp.Click(chromedp.CSS(b+` .rb-add`)),
		choose(rowSel("n-rule", 3, ".rb-field"), "township"),
	); err != nil {
		t.Fatal(err)
	}
	// The third condition has no value yet: the builder says so.
	if got := textOf(t, ctx, b+` .rb-status`); !strings.Contains(got, "条件 3 还没有选好值") {
		t.Fatalf("status: %q", got)
	}
	shotAs(t, ctx, "rulebuilder-notice-incomplete")
	if err := chromedp.Do(ctx,
		choose(rowSel("n-rule", 3, ".rb-one"), "990102"),
		chromedp.Click(chromedp.CSS(`button[hx-post="/console/audiences/preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#rule-preview .audience-count`)),
	); err != nil {
		t.Fatal(err)
	}
	rule, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('n-rule').value`))
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, rule, returnedInHeshengqiao) {
		t.Fatalf("the builder wrote %s", rule)
	}
	if got := textOf(t, ctx, `#rule-preview`); !strings.Contains(got, "现在符合条件的有") || !strings.Contains(got, "所在镇（街道）为 贺胜桥镇") ||
		!strings.Contains(got, "创业意向为 正在考虑、正在筹备 之一") {
		t.Fatalf("preview: %q", got)
	}
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('n-rule-advanced').open`))
	if err != nil || open {
		t.Fatalf("the JSON is shown to a clerk who used the builder (%v)", err)
	}
	shotAs(t, ctx, "rulebuilder-notice-built")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/console/notices"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFlash(t, ctx, "等待区级管理员审核")
	var saved string
	if err := e.app.DB.Get(&saved, `SELECT rule FROM notices WHERE title = '返乡创业补贴开始申报'`); err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, saved, returnedInHeshengqiao) {
		t.Fatalf("saved rule %s", saved)
	}
}

// TestBrowser_RuleBuilderPolicy: editing a policy with a flat rule shows it in the builder
// (township, village under its township, a number, yes/no); a nested rule shows the 较复杂 note
// with the JSON opened and left as it was; clearing it goes back to the builder.
func TestBrowser_RuleBuilderPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var village string
	if err := e.app.DB.Get(&village, `SELECT code FROM regions WHERE parent_code = '990102' ORDER BY sort_order, code LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	flat := `{"any":[{"field":"role","op":"has_any","value":["returnee"]},{"field":"village","op":"eq","value":"` + village +
		`"},{"field":"age","op":"between","value":[18,45]},{"field":"has_business","op":"is","value":false},{"field":"needs","op":"has_any","value":["loan"]}]}`
	flatID := draftPolicy(e, "规则平铺的政策")
	if _, err := e.app.DB.Exec(`UPDATE policies SET rule = ? WHERE id = ?`, flat, flatID); err != nil {
		t.Fatal(err)
	}
	nested := `{"all":[{"field":"role","op":"has_any","value":["returnee"]},{"any":[{"field":"age","op":"lte","value":35},{"not":{"field":"has_business","op":"is","value":true}}]}]}`
	nestedID := draftPolicy(e, "规则嵌套的政策")
	if _, err := e.app.DB.Exec(`UPDATE policies SET rule = ? WHERE id = ?`, nested, nestedID); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t, browsertest.Timeout(90*time.Second))
	signInBrowser(t, ctx, e, "demo_hrss")
	b := `fieldset[data-rule-builder="p-rule"]`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/console/policies/%d", e.srv.URL, flatID)),
		chromedp.WaitVisible(chromedp.CSS(b+`.rb-ready .rb-row .rb-field`)),
	); err != nil {
		t.Fatal(err)
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(function(){
		var rows = document.querySelectorAll('fieldset[data-rule-builder="p-rule"] .rb-row');
		var r = function(i, css){ var e = rows[i].querySelector(css); return e ? e.value : null; };
		return {rows: rows.length, any: document.getElementById('p-rule-join-any').checked,
			f0: r(0,'.rb-field'), op0: r(0,'.rb-op'), returnee: rows[0].querySelector('.rb-checks input[value=returnee]').checked,
			f1: r(1,'.rb-field'), town: r(1,'.rb-town'), village: r(1,'.rb-one'),
			op2: r(2,'.rb-op'), lo: rows[2].querySelectorAll('.rb-num-input')[0].value, hi: rows[2].querySelectorAll('.rb-num-input')[1].value,
			yes: r(3,'.rb-bool'), need: rows[4].querySelector('.rb-checks input[value=loan]').checked,
			complex: !document.querySelector('fieldset[data-rule-builder="p-rule"] .rb-complex').hidden,
			json: document.getElementById('p-rule').value};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"rows": 5.0, "any": true, "f0": "role", "op0": "has_any", "returnee": true, "f1": "village",
		"town": "990102", "village": village, "op2": "between", "lo": "18", "hi": "45", "yes": "false", "need": true, "complex": false}
	for k, v := range want {
		if state[k] != v {
			t.Fatalf("%s = %v, want %v (%v)", k, state[k], v, state)
		}
	}
	if !sameJSON(t, state["json"].(string), flat) {
		t.Fatalf("the JSON changed on load: %v", state["json"])
	}
	shotAs(t, ctx, "rulebuilder-policy-flat")

	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/console/policies/%d", e.srv.URL, nestedID)),
		chromedp.WaitVisible(chromedp.CSS(b+` .rb-complex`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, b+` .rb-complex`); !strings.Contains(got, "此规则较复杂，请在下方直接编辑") {
		t.Fatalf("note: %q", got)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({open: document.getElementById('p-rule-advanced').open,
		json: document.getElementById('p-rule').value, rows: !document.querySelector('fieldset[data-rule-builder="p-rule"] .rb-body').hidden})`))
	if err != nil {
		t.Fatal(err)
	}
	if got["open"] != true || got["rows"] != false || !sameJSON(t, got["json"].(string), nested) {
		t.Fatalf("nested rule: %v", got)
	}
	shotAs(t, ctx, "rulebuilder-policy-nested")
	// Clearing it starts the builder afresh; the first condition's field has the focus.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(b+` .rb-reset`)),
		chromedp.WaitVisible(chromedp.CSS(b+` .rb-row .rb-field`)),
	); err != nil {
		t.Fatal(err)
	}
	focus, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.getAttribute('aria-label') + '|' + document.getElementById('p-rule').value`))
	if err != nil || focus != "条件 1：字段|" {
		t.Fatalf("after clearing: %q (%v)", focus, err)
	}
}
