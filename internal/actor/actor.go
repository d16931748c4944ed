// Package actor says who is acting — a staff member, a mini-program user or the system — and
// answers, in one place, what a staff role may do. The JSON API and the staff console ask the
// same questions of the same type, so a rule changes in one line. Deny by default: a question
// answers false for a role it does not name, and for anyone who is not staff.
package actor

import (
	"strconv"

	"huixiang/internal/audit"
)

// Kind is what sort of actor acts; the values are the audit log's actor types.
type Kind string

// The kinds of actor.
const (
	KindStaff  Kind = audit.ActorStaff
	KindUser   Kind = audit.ActorUser
	KindSystem Kind = audit.ActorSystem
)

// Role is a staff account's role.
type Role string

// The staff roles.
const (
	// DistrictAdmin administers the whole district: accounts, regions, surveys, every record.
	DistrictAdmin Role = "district_admin"
	// Department is the staff of a district department (区人社局, 区教育局, 招商中心 …): final
	// review, disbursement, points, perks, alumni; it reads the registry but does not write it.
	Department Role = "department"
	// Township is township (street) staff and grid workers: their township's people only.
	Township Role = "township"
)

// Roles lists the staff roles.
var Roles = []Role{DistrictAdmin, Department, Township}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == DistrictAdmin || r == Department || r == Township }

// Actor is who acts. For staff, Name is the username, Department is set for department staff
// and Township for township staff; for a user, ID is the users row; the system has a Name.
type Actor struct {
	Kind       Kind
	ID         int64
	Name       string
	Role       Role
	Department string
	Township   string
}

// Staff returns a staff actor. The township is kept only for township staff, the department only
// for department staff, so that a stale attribute can never widen or narrow a scope.
func Staff(id int64, username string, role Role, department, township string) Actor {
	a := Actor{Kind: KindStaff, ID: id, Name: username, Role: role}
	switch role {
	case Township:
		a.Township = township
	case Department:
		a.Department = department
	}
	return a
}

// User returns the actor of mini-program user id.
func User(id int64) Actor { return Actor{Kind: KindUser, ID: id} }

// System returns the actor of a job or command called name.
func System(name string) Actor { return Actor{Kind: KindSystem, Name: name} }

// IsStaff reports whether a staff member acts.
func (a Actor) IsStaff() bool { return a.Kind == KindStaff && a.Role.Valid() }

// is reports whether the actor acts in one of roles: a staff member, or a command or job of the
// server itself given a role (the seed acts as a district administrator). A request can only
// ever produce a staff or user actor (see httpapi's currentActor).
func (a Actor) is(roles ...Role) bool {
	if !a.Role.Valid() || (a.Kind != KindStaff && a.Kind != KindSystem) {
		return false
	}
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

// SeesTownship reports whether the actor may see and change records of township: township staff
// only their own; district administrators and department staff every township (and the server's
// own commands given one of those roles, like the demo seed).
func (a Actor) SeesTownship(township string) bool {
	if !a.is(Roles...) {
		return false
	}
	return a.Role != Township || (a.Township != "" && a.Township == township)
}

// NoTownship is a township code no record has: the scope of township staff whose account names
// no township (the database refuses such accounts; this keeps a list empty if one ever appears).
const NoTownship = "-"

// ScopeTownship is the township a list must be limited to ("" = every township). Township staff
// without a township see nothing, never everything.
func (a Actor) ScopeTownship() string {
	if a.Role == Township {
		if a.Township == "" {
			return NoTownship
		}
		return a.Township
	}
	return ""
}

// MayWriteRegistry: create, change and import returnee records (township staff: their township).
func (a Actor) MayWriteRegistry() bool { return a.is(DistrictAdmin, Township) }

// MayReveal: see full ID numbers and phones, audited (township staff: their township).
func (a Actor) MayReveal() bool { return a.is(DistrictAdmin, Township) }

// MayDecideTownship: decide an application at the township stage.
func (a Actor) MayDecideTownship() bool { return a.is(DistrictAdmin, Township) }

// MayDecideDistrict: decide an application at the district stage.
func (a Actor) MayDecideDistrict() bool { return a.is(DistrictAdmin, Department) }

// MayDisburse: record that an approved application's money was paid.
func (a Actor) MayDisburse() bool { return a.is(DistrictAdmin, Department) }

// MayManageStaff: create, change, unlock and reset staff accounts; import regions; surveys; the
// notification outbox.
func (a Actor) MayManageStaff() bool { return a.is(DistrictAdmin) }

// MayManagePoints: points rules and grants, perks, voucher verification, alumni, schools and
// events (which rules and perks a department may use is the points package's question).
func (a Actor) MayManagePoints() bool { return a.is(DistrictAdmin, Department) }

// Audit is the audit entry of this actor, for action on target type/id.
func (a Actor) Audit(action, targetType, targetID string) audit.Entry {
	return audit.Entry{ActorType: string(a.Kind), ActorID: a.ID, ActorName: a.Name,
		Action: action, TargetType: targetType, TargetID: targetID}
}

// AuditID is Audit with a numeric target ID.
func (a Actor) AuditID(action, targetType string, targetID int64) audit.Entry {
	return a.Audit(action, targetType, strconv.FormatInt(targetID, 10))
}

// MayManagePolicies: write, publish and archive policies of the library, and preview an
// audience: district administrators and department staff (the departments issue policies).
func (a Actor) MayManagePolicies() bool { return a.is(DistrictAdmin, Department) }

// MayApproveNotices: approve a notice for sending — district administrators only (and never
// the account that drafted it: the notice package and MySQL hold that).
func (a Actor) MayApproveNotices() bool { return a.is(DistrictAdmin) }
