package project

import (
	"slices"
	"testing"
)

// The table moves one step forward at a time along Statuses, and to terminated from every
// status but producing and terminated; nothing leaves producing or terminated.
func TestProject_transitionTable(t *testing.T) {
	forward := Statuses[:len(Statuses)-1] // planning … producing
	for i, to := range forward[1:] {
		tr, ok := TransitionTo(to)
		if !ok || !slices.Equal(tr.From, []string{forward[i]}) {
			t.Errorf("to %s: %+v", to, tr)
		}
	}
	term, ok := TransitionTo(Terminated)
	if !ok || !slices.Equal(term.From, forward[:len(forward)-1]) {
		t.Errorf("to terminated: %+v", term)
	}
	if _, ok := TransitionTo(Planning); ok {
		t.Error("nothing moves back to planning")
	}
	for _, tr := range Transitions {
		if slices.Contains(tr.From, Producing) || slices.Contains(tr.From, Terminated) {
			t.Errorf("%s leaves a final status", tr.To)
		}
		if StatusNames[tr.To] == "" {
			t.Errorf("%s has no name", tr.To)
		}
	}
	if slices.Contains(Publishable, Planning) || slices.Contains(Publishable, Terminated) || len(Publishable) != 6 {
		t.Errorf("publishable = %v", Publishable)
	}
}

func TestProject_industryCodes(t *testing.T) {
	for code, want := range map[string]bool{"C": true, "C13": true, "A01": true, "T": true, "U": false, "c13": false, "C1": false,
		"C131": false, "": false, "区": false, "13": false} {
		if got := IndustryRE.MatchString(code); got != want {
			t.Errorf("%q: %v", code, got)
		}
	}
}
