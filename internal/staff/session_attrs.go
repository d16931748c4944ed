package staff

import "huixiang/internal/actor"

// AttrMustChangePassword marks a session signed in with a one-time password: until the password
// is changed it may only change it, read who is signed in and sign out (the JSON API and the
// console both enforce this).
const AttrMustChangePassword = "must_change_password"

// SessionAttrs are what a staff session keeps, so that authorisation needs no database read;
// changing a role, department, township, the disabled flag or the password revokes the sessions.
func SessionAttrs(s Staff) map[string]string {
	a := map[string]string{"role": string(s.Role), "username": s.Username, "department": s.Department, "township": s.TownshipCode,
		"display_name": s.DisplayName}
	if s.MustChangePassword {
		a[AttrMustChangePassword] = "1"
	}
	return a
}

// SessionActor is the actor a staff session with attrs (from SessionAttrs) stands for.
func SessionActor(id int64, attrs map[string]string) actor.Actor {
	return actor.Staff(id, attrs["username"], actor.Role(attrs["role"]), attrs["department"], attrs["township"])
}
