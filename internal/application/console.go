package application

import (
	"slices"

	"huixiang/internal/actor"
)

// The staff console reads the state machine through these: which states a staff member works
// on, and which actions they may take on an application now. They read the transition table
// only, so the console shows exactly the buttons the service would accept (the service checks
// again when one is pressed).

// StaffActions are the transitions a staff member may take on an application in status, in
// table order (a stage's approve, return and reject, or the disbursement).
func StaffActions(a actor.Actor, status string) []Transition {
	var out []Transition
	for _, t := range transitions {
		if t.allows(status) && t.permits(a) {
			out = append(out, t)
		}
	}
	return out
}

// WorkStates are the states in which a staff member has something to do (a decision of their
// stage or a disbursement), in table order: township staff the submitted ones, department staff
// the township-approved and the approved ones, district administrators all three.
func WorkStates(a actor.Actor) []string {
	var out []string
	for _, t := range transitions {
		if !t.permits(a) {
			continue
		}
		for _, f := range t.From {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// QueueStates are the states of a staff member's default queue (Filter with an empty Status).
func QueueStates(a actor.Actor) []string { return queueStates(a) }
