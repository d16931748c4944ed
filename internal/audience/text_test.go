package audience

import (
	"testing"
	"time"
)

// TestTextWith: the closed lists read in their own words, the open ones through the labels,
// and a code the labels do not know stays a code.
func TestTextWith(t *testing.T) {
	n, err := Parse([]byte(`{"all":[{"field":"returnee_status","op":"eq","value":"returned"},
		{"field":"township","op":"eq","value":"990102"},
		{"field":"needs","op":"has_any","value":["loan","site"]},
		{"not":{"field":"village","op":"in","value":["990102001"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]map[string]string{
		"township": {"990102": "贺胜桥镇"}, "village": {"990102001": "贺胜村"}, "needs": {"loan": "创业贷款"},
		"returnee_status": {"returned": "不该用这个"},
	}
	labels := func(field, code string) (string, bool) { w, ok := names[field][code]; return w, ok }
	want := "（返乡状态为 已返乡，并且所在镇（街道）为 贺胜桥镇，并且需要的帮助为 创业贷款、site 之一，并且不满足所在村（社区）为 贺胜村 之一）"
	if got := n.TextWith(labels); got != want {
		t.Fatalf("TextWith:\n got %s\nwant %s", got, want)
	}
	if got := n.Text(); got != "（返乡状态为 已返乡，并且所在镇（街道）为 990102，并且需要的帮助为 loan、site 之一，并且不满足所在村（社区）为 990102001 之一）" {
		t.Fatalf("Text: %s", got)
	}
	if got := n.ExplainWith(&Facts{}, time.Now(), labels)[1].Text; got != "所在镇（街道）为 贺胜桥镇" {
		t.Fatalf("ExplainWith: %s", got)
	}
	if OpWord("between") == "" || Lookup("age").Type.String() != "int" || len(Int.Ops()) != 5 {
		t.Fatal("catalogue helpers")
	}
}
