package application

import (
	"slices"

	"huixiang/internal/actor"
)

// Action is a step of an application's life that someone takes.
type Action string

// The actions. A reviewer's decision is one action per stage and verdict.
const (
	ActSubmit          Action = "submit"
	ActWithdraw        Action = "withdraw"
	ActTownshipApprove Action = "township_approve"
	ActTownshipReturn  Action = "township_return"
	ActTownshipReject  Action = "township_reject"
	ActDistrictApprove Action = "district_approve"
	ActDistrictReturn  Action = "district_return"
	ActDistrictReject  Action = "district_reject"
	ActDisburse        Action = "disburse"
)

// Stage is who acts on an application at a point of its life.
type Stage string

// The stages.
const (
	StageApplicant Stage = "applicant"
	StageTownship  Stage = "township"
	StageDistrict  Stage = "district"
	StagePayment   Stage = "payment"
)

// The columns that record who decided a stage.
const (
	colTownshipReviewer = "township_reviewer_id"
	colDistrictReviewer = "district_reviewer_id"
)

// Transition is one row of the state machine: the action, the states it is allowed from, the
// state it leads to, who may take it and what else it does. The workflow, the staff queues,
// the statistics and the subsidy-once rule all read this table; adding a stage is adding rows.
type Transition struct {
	Action Action
	From   []string
	To     string
	Stage  Stage
	// Decision is the reviewer's verdict (approve, return, reject) of a stage decision.
	Decision string
	// May answers whether a staff actor may take the action; nil: only the applicant (a user,
	// on their own application) takes it.
	May func(actor.Actor) bool
	// By names the column that records the account deciding this stage.
	By string
	// NotBy names the column of the previous stage's decider: the UPDATE matches only when the
	// actor is another account (four eyes on the money; ErrSameReviewer).
	NotBy string
	// Decides: the application is decided (decided_at is set).
	Decides bool
	// Grants: the money is granted from here on (counts towards the policy's limits).
	Grants bool
	// Notifies: the applicant gets an inbox and subscribe message.
	Notifies bool
	// EventRole is the role written on the timeline; "" writes the actor's own role.
	EventRole string
}

// roleApplicant is the timeline's role of the applicant (staff steps carry staff roles).
const roleApplicant = "applicant"

// transitions is the state machine of applications.
var transitions = []Transition{
	{Action: ActSubmit, From: []string{StatusDraft, StatusReturned}, To: StatusSubmitted, Stage: StageApplicant, EventRole: roleApplicant},
	{Action: ActWithdraw, From: []string{StatusDraft, StatusSubmitted, StatusReturned}, To: StatusWithdrawn, Stage: StageApplicant, EventRole: roleApplicant},

	{Action: ActTownshipApprove, From: []string{StatusSubmitted}, To: StatusTownshipApproved, Stage: StageTownship, Decision: "approve",
		May: actor.Actor.MayDecideTownship, By: colTownshipReviewer, Notifies: true, EventRole: string(actor.Township)},
	{Action: ActTownshipReturn, From: []string{StatusSubmitted}, To: StatusReturned, Stage: StageTownship, Decision: "return",
		May: actor.Actor.MayDecideTownship, By: colTownshipReviewer, Notifies: true, EventRole: string(actor.Township)},
	{Action: ActTownshipReject, From: []string{StatusSubmitted}, To: StatusRejected, Stage: StageTownship, Decision: "reject",
		May: actor.Actor.MayDecideTownship, By: colTownshipReviewer, Decides: true, Notifies: true, EventRole: string(actor.Township)},

	{Action: ActDistrictApprove, From: []string{StatusTownshipApproved}, To: StatusApproved, Stage: StageDistrict, Decision: "approve",
		May: actor.Actor.MayDecideDistrict, By: colDistrictReviewer, NotBy: colTownshipReviewer, Decides: true, Grants: true, Notifies: true},
	{Action: ActDistrictReturn, From: []string{StatusTownshipApproved}, To: StatusReturned, Stage: StageDistrict, Decision: "return",
		May: actor.Actor.MayDecideDistrict, By: colDistrictReviewer, NotBy: colTownshipReviewer, Notifies: true},
	{Action: ActDistrictReject, From: []string{StatusTownshipApproved}, To: StatusRejected, Stage: StageDistrict, Decision: "reject",
		May: actor.Actor.MayDecideDistrict, By: colDistrictReviewer, NotBy: colTownshipReviewer, Decides: true, Notifies: true},

	{Action: ActDisburse, From: []string{StatusApproved}, To: StatusDisbursed, Stage: StagePayment,
		May: actor.Actor.MayDisburse, NotBy: colDistrictReviewer, Notifies: true},
}

// Transitions returns the state machine, for tests and for the console (which buttons to show).
func Transitions() []Transition { return slices.Clone(transitions) }

// transitionOf returns the row of action.
func transitionOf(a Action) Transition {
	for _, t := range transitions {
		if t.Action == a {
			return t
		}
	}
	panic("application: no transition " + string(a))
}

// allows reports whether the transition may start from status.
func (t Transition) allows(status string) bool { return slices.Contains(t.From, status) }

// permits reports whether a staff actor may take a staff action (applicant actions: never).
func (t Transition) permits(a actor.Actor) bool { return t.May != nil && t.May(a) }

// decisions returns the reviewer decisions open from status (one stage's rows).
func decisions(status string) []Transition {
	var out []Transition
	for _, t := range transitions {
		if t.Decision != "" && t.allows(status) {
			out = append(out, t)
		}
	}
	return out
}

// editable reports whether the applicant may still change the form: in the states it may be
// submitted from.
func editable(status string) bool { return transitionOf(ActSubmit).allows(status) }

// queueStates is the queue of an actor's stage: township staff decide at the township stage,
// district administrators and department staff work the district stage's queue.
func queueStates(a actor.Actor) []string {
	stage := StageDistrict
	if a.Role == actor.Township {
		stage = StageTownship
	}
	var out []string
	for _, t := range transitions {
		if t.Stage == stage && t.Decision != "" {
			for _, f := range t.From {
				if !slices.Contains(out, f) {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// States lists every state of the table.
func States() []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, t := range transitions {
		for _, f := range t.From {
			add(f)
		}
		add(t.To)
	}
	return out
}

// GrantedStates are the states in which the money is granted: the targets of granting
// transitions and every state reachable from them. They count towards a policy's limits.
func GrantedStates() []string {
	var out []string
	for _, t := range transitions {
		if t.Grants && !slices.Contains(out, t.To) {
			out = append(out, t.To)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, t := range transitions {
			for _, f := range t.From {
				if slices.Contains(out, f) && !slices.Contains(out, t.To) {
					out, changed = append(out, t.To), true
				}
			}
		}
	}
	return out
}

// LiveStates are the states in which an application holds the subsidy's once-per-person place:
// every state but the initial one (a draft, which no transition leads to) and the dead ends
// that grant nothing (rejected, withdrawn). The generated column grant_key of the migration
// lists the complement; a test asserts that they agree.
func LiveStates() []string {
	granted := GrantedStates()
	var out []string
	for _, s := range States() {
		initial, leaves := true, false
		for _, t := range transitions {
			if t.To == s {
				initial = false
			}
			if t.allows(s) {
				leaves = true
			}
		}
		if initial || (!leaves && !slices.Contains(granted, s)) {
			continue
		}
		out = append(out, s)
	}
	return out
}
