package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
)

// registerSystem adds the district administrator's pages (menu group 系统): staff accounts,
// regions, option lists and the audit log. Every page asks actor.Actor.MayManageStaff, as the
// JSON API's district group does; the services ask again.
func (cs *Console) registerSystem(g *gin.RouterGroup) {
	may := actor.Actor.MayManageStaff
	get := func(path, title, menu string, h handler) {
		cs.handle(g, page{Path: path, Title: title, Menu: menu, May: may}, h)
	}
	post := func(path, title string, h handler) {
		cs.handle(g, page{Method: http.MethodPost, Path: path, Title: title, May: may}, h)
	}
	get("/system/staff", "工作人员账号", "系统", cs.staffList)
	get("/system/staff/new", "新建账号", "", cs.staffNew)
	post("/system/staff", "新建账号", cs.staffCreate)
	get("/system/staff/:id", "账号详情", "", cs.staffShow)
	post("/system/staff/:id", "修改账号", cs.staffUpdate)
	post("/system/staff/:id/disable", "停用账号", cs.staffSetDisabled(true))
	post("/system/staff/:id/enable", "启用账号", cs.staffSetDisabled(false))
	post("/system/staff/:id/reset-password", "重置密码", cs.staffResetPassword)
	post("/system/staff/:id/unlock", "解除锁定", cs.staffUnlock)
	post("/system/staff/:id/revoke-sessions", "强制下线", cs.staffRevoke)

	get("/system/regions", "行政区划", "系统", cs.regionsPage)
	post("/system/regions/import", "导入行政区划", cs.regionsImport)

	get("/system/options", "选项列表", "系统", cs.optionsPage)
	post("/system/options", "新增选项", cs.optionAdd)
	post("/system/options/:kind/:code", "修改选项", cs.optionRename)
	post("/system/options/:kind/:code/active", "停用或启用选项", cs.optionSetActive)

	get("/system/audit", "审计日志", "系统", cs.auditPage)
	post("/system/audit/export", "导出审计日志", cs.auditExport)
}

// redirectError answers a form post with 303 to path and an error message on the next page.
func (r *request) redirectError(path string, err error) error {
	r.setFlash(flash{Kind: "error", Message: Problem(err).Message})
	return r.Redirect(path, "")
}
