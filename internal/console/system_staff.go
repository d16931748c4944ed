package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"huixiang/internal/actor"
	"huixiang/internal/region"
	"huixiang/internal/session"
	"huixiang/internal/staff"
)

// staffView is what the staff pages' one template gets: which view, and its data.
type staffView struct {
	View string // list | new | show | password
	D    any
}

// staffRow is an account as the list and the detail page show it.
type staffRow struct {
	staff.Staff
	TownshipName string
	Locked       bool
}

// townships are the active townships, for the selects.
func (cs *Console) townships(ctx context.Context) ([]region.Region, map[string]string, error) {
	list, err := cs.d.Regions.Children(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	names, err := cs.d.Regions.Names(ctx)
	return list, names, err
}

func (cs *Console) staffRows(r *request, list []staff.Staff) ([]staffRow, error) {
	_, names, err := cs.townships(r.Ctx())
	if err != nil {
		return nil, err
	}
	now := cs.d.Now()
	out := make([]staffRow, 0, len(list))
	for _, s := range list {
		out = append(out, staffRow{Staff: s, TownshipName: names[s.TownshipCode], Locked: s.LockedUntil != nil && s.LockedUntil.After(now)})
	}
	return out, nil
}

type staffListData struct {
	Rows  []staffRow
	Role  string
	Q     string
	Total int
}

// staffList lists the accounts, filtered by role and by a word of the username or name.
func (cs *Console) staffList(r *request) error {
	list, err := cs.d.Staff.List(r.Ctx())
	if err != nil {
		return err
	}
	rows, err := cs.staffRows(r, list)
	if err != nil {
		return err
	}
	d := staffListData{Role: r.Query("role"), Q: r.Query("q"), Total: len(rows)}
	q := strings.ToLower(d.Q)
	for _, s := range rows {
		if d.Role != "" && string(s.Role) != d.Role {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(s.Username), q) && !strings.Contains(strings.ToLower(s.DisplayName), q) {
			continue
		}
		d.Rows = append(d.Rows, s)
	}
	return r.OK("system/staff", "staff-table", "工作人员账号", staffView{View: "list", D: d})
}

// staffForm is the create and edit form's values and its message.
type staffForm struct {
	ID           int64
	Username     string
	DisplayName  string
	Role         string
	Department   string
	TownshipCode string
	Generate     bool
	Error        string
	Townships    []region.Region
}

func (cs *Console) staffFormPage(r *request, status int, f staffForm) error {
	towns, _, err := cs.townships(r.Ctx())
	if err != nil {
		return err
	}
	f.Townships = towns
	return r.Page(status, "system/staff", "", "新建账号", staffView{View: "new", D: f})
}

func (cs *Console) staffNew(r *request) error {
	return cs.staffFormPage(r, http.StatusOK, staffForm{Role: string(actor.Township), Generate: true})
}

// scopeOf keeps only the department or township the role has.
func scopeOf(role, department, township string) (string, string) {
	switch actor.Role(role) {
	case actor.Department:
		return department, ""
	case actor.Township:
		return "", township
	}
	return "", ""
}

// passwordResult is the page that shows a one-time password once.
type passwordResult struct {
	Account staff.Staff
	// Password is shown on this page only; it is never stored in clear.
	Password string
	Created  bool
}

// staffCreate creates an account with the password typed in, or a generated one-time password
// that is shown once and must be changed at the first sign-in.
func (cs *Console) staffCreate(r *request) error {
	f := staffForm{Username: r.Form("username"), DisplayName: r.Form("display_name"), Role: r.Form("role"),
		Department: r.Form("department"), TownshipCode: r.Form("township_code"), Generate: r.Form("password_mode") != "typed"}
	dept, town := scopeOf(f.Role, f.Department, f.TownshipCode)
	a := staff.NewAccount{Username: f.Username, DisplayName: f.DisplayName, Role: actor.Role(f.Role), Department: dept, TownshipCode: town}
	if f.DisplayName == "" {
		a.DisplayName = f.Username
	}
	if f.Generate {
		st, pw, err := cs.d.Staff.CreateWithOneTimePassword(r.Ctx(), r.Actor(), a)
		if err != nil {
			return cs.staffFormError(r, f, err)
		}
		return r.OK("system/staff", "", "账号已创建", staffView{View: "password", D: passwordResult{Account: st, Password: pw, Created: true}})
	}
	if r.c.PostForm("password") != r.c.PostForm("password_confirm") {
		f.Error = "两次输入的初始密码不一致"
		return cs.staffFormPage(r, http.StatusUnprocessableEntity, f)
	}
	a.Password = r.c.PostForm("password")
	st, err := cs.d.Staff.Create(r.Ctx(), r.Actor(), a)
	if err != nil {
		return cs.staffFormError(r, f, err)
	}
	return r.Redirect("/system/staff/"+strconv.FormatInt(st.ID, 10), "账号 "+st.Username+" 已创建，请把用户名和初始密码告知本人")
}

// staffFormError shows the form again with the values typed and the service's message.
func (cs *Console) staffFormError(r *request, f staffForm, err error) error {
	p := Problem(err)
	if p.Status >= 500 || p.Status == http.StatusForbidden {
		return err
	}
	f.Error = p.Message
	return cs.staffFormPage(r, p.Status, f)
}

type staffShowData struct {
	Account staffRow
	Form    staffForm
	Self    bool
}

func (cs *Console) staffByID(r *request) (staffRow, error) {
	id, err := r.ID("id")
	if err != nil {
		return staffRow{}, err
	}
	st, err := cs.d.Staff.Get(r.Ctx(), id)
	if err != nil {
		return staffRow{}, err
	}
	rows, err := cs.staffRows(r, []staff.Staff{st})
	if err != nil {
		return staffRow{}, err
	}
	return rows[0], nil
}

func (cs *Console) staffShowPage(r *request, status int, acc staffRow, f staffForm) error {
	towns, _, err := cs.townships(r.Ctx())
	if err != nil {
		return err
	}
	f.Townships = towns
	d := staffShowData{Account: acc, Form: f, Self: acc.ID == r.Actor().ID}
	return r.Page(status, "system/staff", "", acc.Username+" · 账号详情", staffView{View: "show", D: d})
}

func (cs *Console) staffShow(r *request) error {
	acc, err := cs.staffByID(r)
	if err != nil {
		return err
	}
	f := staffForm{ID: acc.ID, DisplayName: acc.DisplayName, Role: string(acc.Role), Department: acc.Department, TownshipCode: acc.TownshipCode}
	return cs.staffShowPage(r, http.StatusOK, acc, f)
}

// endSessions ends every session of a staff account (the console's and the API's).
func (cs *Console) endSessions() staff.EndAll {
	return func(ctx context.Context, id int64) (int, error) {
		return cs.d.Sessions.RevokeAll(ctx, session.KindStaff, id)
	}
}

func staffPath(id int64) string { return "/system/staff/" + strconv.FormatInt(id, 10) }

// staffUpdate changes the name, role, department and township. Only the fields that differ are
// sent, so the account's sessions end (staff.UpdateEndingSessions) only when its scope changes.
func (cs *Console) staffUpdate(r *request) error {
	acc, err := cs.staffByID(r)
	if err != nil {
		return err
	}
	f := staffForm{ID: acc.ID, DisplayName: r.Form("display_name"), Role: r.Form("role"), Department: r.Form("department"), TownshipCode: r.Form("township_code")}
	dept, town := scopeOf(f.Role, f.Department, f.TownshipCode)
	var p staff.Patch
	if f.DisplayName != acc.DisplayName {
		p.DisplayName = &f.DisplayName
	}
	if role := actor.Role(f.Role); role != acc.Role {
		p.Role = &role
	}
	if dept != acc.Department {
		p.Department = &dept
	}
	if town != acc.TownshipCode {
		p.TownshipCode = &town
	}
	if p == (staff.Patch{}) {
		return r.Redirect(staffPath(acc.ID), "没有需要保存的修改")
	}
	if _, err := cs.d.Staff.UpdateEndingSessions(r.Ctx(), r.Actor(), acc.ID, p, cs.endSessions()); err != nil {
		pr := Problem(err)
		if pr.Status >= 500 || pr.Status == http.StatusForbidden || pr.Status == http.StatusNotFound {
			return err
		}
		f.Error = pr.Message
		return cs.staffShowPage(r, pr.Status, acc, f)
	}
	msg := "已保存"
	if p.Role != nil || p.Department != nil || p.TownshipCode != nil {
		msg = "已保存。角色或范围已变更，该账号需重新登录"
	}
	return r.Redirect(staffPath(acc.ID), msg)
}

func (cs *Console) staffSetDisabled(disabled bool) handler {
	return func(r *request) error {
		id, err := r.ID("id")
		if err != nil {
			return err
		}
		if _, err := cs.d.Staff.UpdateEndingSessions(r.Ctx(), r.Actor(), id, staff.Patch{Disabled: &disabled}, cs.endSessions()); err != nil {
			if Problem(err).Status == http.StatusConflict {
				return r.redirectError(staffPath(id), err)
			}
			return err
		}
		if disabled {
			return r.Redirect(staffPath(id), "账号已停用，已登录的会话已全部结束")
		}
		return r.Redirect(staffPath(id), "账号已启用")
	}
}

// staffResetPassword shows the one-time password once, on the answer to the post.
func (cs *Console) staffResetPassword(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	pw, err := cs.d.Staff.ResetPasswordEndingSessions(r.Ctx(), r.Actor(), id, cs.endSessions())
	if err != nil {
		return err
	}
	st, err := cs.d.Staff.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	return r.OK("system/staff", "", "密码已重置", staffView{View: "password", D: passwordResult{Account: st, Password: pw}})
}

func (cs *Console) staffUnlock(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	if err := cs.d.Staff.Unlock(r.Ctx(), r.Actor(), id); err != nil {
		return err
	}
	return r.Redirect(staffPath(id), "已解除登录锁定")
}

func (cs *Console) staffRevoke(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	n, err := cs.d.Staff.EndSessions(r.Ctx(), r.Actor(), id, cs.endSessions())
	if err != nil {
		return err
	}
	return r.Redirect(staffPath(id), "已强制下线："+strconv.Itoa(n)+" 个会话已结束")
}
