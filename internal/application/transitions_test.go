package application

import (
	"slices"
	"testing"

	"huixiang/internal/actor"
)

// TestTransitions_tableIsWellFormed: one row per action; every staff row names who may take it
// and every applicant row names nobody; a stage's decisions leave from the same states, one per
// verdict; every state but the draft is reached by some row.
func TestTransitions_tableIsWellFormed(t *testing.T) {
	seen := map[Action]bool{}
	for _, tr := range transitions {
		if seen[tr.Action] {
			t.Errorf("action %s has two rows", tr.Action)
		}
		seen[tr.Action] = true
		if (tr.Stage == StageApplicant) != (tr.May == nil) {
			t.Errorf("action %s: stage %s with May set = %v", tr.Action, tr.Stage, tr.May != nil)
		}
		if len(tr.From) == 0 || tr.To == "" {
			t.Errorf("action %s has no from-states or no to-state", tr.Action)
		}
	}
	for _, st := range States() {
		verdicts := map[string]bool{}
		for _, d := range decisions(st) {
			if verdicts[d.Decision] {
				t.Errorf("state %s: two rows for verdict %s", st, d.Decision)
			}
			verdicts[d.Decision] = true
			if d.Stage != decisions(st)[0].Stage {
				t.Errorf("state %s: decisions of two stages", st)
			}
		}
		reached := slices.ContainsFunc(transitions, func(tr Transition) bool { return tr.To == st })
		if reached == (st == StatusDraft) {
			t.Errorf("state %s reached = %v", st, reached)
		}
	}
}

// TestTransitions_derivedSets pins what the table derives: the live and granted states and the
// queues of each role.
func TestTransitions_derivedSets(t *testing.T) {
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	if got, want := sorted(LiveStates()), sorted([]string{StatusSubmitted, StatusTownshipApproved, StatusReturned, StatusApproved, StatusDisbursed}); !slices.Equal(got, want) {
		t.Errorf("live = %v, want %v", got, want)
	}
	if got, want := sorted(GrantedStates()), sorted([]string{StatusApproved, StatusDisbursed}); !slices.Equal(got, want) {
		t.Errorf("granted = %v, want %v", got, want)
	}
	for role, want := range map[actor.Role][]string{
		actor.Township:      {StatusSubmitted},
		actor.Department:    {StatusTownshipApproved},
		actor.DistrictAdmin: {StatusTownshipApproved},
	} {
		if got := queueStates(actor.Staff(1, "x", role, "区人社局", "990101")); !slices.Equal(got, want) {
			t.Errorf("queue of %s = %v, want %v", role, got, want)
		}
	}
	if !editable(StatusDraft) || !editable(StatusReturned) || editable(StatusSubmitted) {
		t.Error("editable states are not draft and returned")
	}
}
