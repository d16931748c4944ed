package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// GET /api/v1/applications lists the caller's own applications, newest first, each with its
// current status and the bank account masked; another applicant's never appear.
func TestMyApplications_ownOnlyNewestFirstWithStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	alice := e.entrepreneur("o_list_alice", 81)
	bob := e.entrepreneur("o_list_bob", 82)

	var mine struct {
		Items []appAnswer `json:"items"`
	}
	list := func(tok string) []appAnswer {
		t.Helper()
		r := e.do("GET", "/api/v1/applications", tok, nil)
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), `"items":[`) {
			t.Fatalf("items is not an array: %s", r.Body)
		}
		mine.Items = nil
		r.json(t, &mine)
		return mine.Items
	}
	if got := list(alice); len(got) != 0 {
		t.Fatalf("before any application: %+v", got)
	}
	expect(t, e.do("GET", "/api/v1/applications", "", nil), 401, "SESSION_EXPIRED")

	draft := e.createApp(alice, subsidyForm())
	loan := e.submitted(alice, loanForm(10000000), "id_front", "id_back")
	withdrawn := e.createApp(alice, loanForm(5000000))
	expect(t, e.act(alice, fmt.Sprintf("/api/v1/applications/%d/withdraw", withdrawn.ID), withdrawn.Version, nil), 200, "")
	other := e.createApp(bob, subsidyForm())

	got := list(alice)
	want := []struct {
		id     int64
		status string
	}{{withdrawn.ID, "withdrawn"}, {loan.ID, "submitted"}, {draft.ID, "draft"}}
	if len(got) != len(want) {
		t.Fatalf("alice's list has %d items, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].ID != w.id || got[i].Status != w.status {
			t.Fatalf("item %d = id %d %s, want id %d %s", i, got[i].ID, got[i].Status, w.id, w.status)
		}
		if got[i].ID == other.ID {
			t.Fatal("bob's application is in alice's list")
		}
		if !strings.Contains(got[i].BankAccount, "***") {
			t.Fatalf("bank account not masked in the list: %q", got[i].BankAccount)
		}
	}
	if got := list(bob); len(got) != 1 || got[0].ID != other.ID || got[0].Status != "draft" {
		t.Fatalf("bob's list = %+v", got)
	}
	// A staff token is not a user token.
	expect(t, e.do("GET", "/api/v1/applications", e.staffToken("admin", adminPasswd), nil), 401, "SESSION_EXPIRED")
}
