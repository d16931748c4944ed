package console

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
)

// registerOutbox adds the outbox page (menu group 消息): the WeChat subscribe messages waiting,
// sent and given up, with a retry for each dead one. District administrators only, as
// /admin/api/v1/outbox.
func (cs *Console) registerOutbox(g *gin.RouterGroup) {
	may := actor.Actor.MayManageStaff
	cs.handle(g, page{Path: "/outbox", Title: "消息发送", Menu: "消息", May: may}, cs.outboxPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/outbox/:id/retry", Title: "重新发送", May: may}, cs.outboxRetry)
}

// outboxStatuses are the filter's choices, as staff call them.
var outboxStatuses = []struct{ Code, Name string }{
	{notify.StatusDead, "发送失败"},
	{notify.StatusPending, "待发送"},
	{notify.StatusSending, "发送中"},
	{notify.StatusSent, "已发送"},
	{notify.StatusSkipped, "未发送（用户无订阅授权）"},
}

func outboxStatusName(code string) string {
	for _, s := range outboxStatuses {
		if s.Code == code {
			return s.Name
		}
	}
	return code
}

// outboxRow is an outbox row with its status's name.
type outboxRow struct {
	notify.OutboxItem
	StatusName   string
	TemplateName string
}

type outboxData struct {
	Status   string
	Statuses []struct{ Code, Name string }
	Page     sqldb.Page[notify.OutboxItem]
	Rows     []outboxRow
	Delivery notify.Delivery
	Progress string // the progress template's ID
}

// outboxDays is how far back the delivery counts by day and template look.
const outboxDays = 14

func (cs *Console) outboxPage(r *request) error {
	status := r.Query("status")
	page, err := cs.d.Notify.ListOutbox(r.Ctx(), status, r.PageRequest())
	if err != nil {
		return err
	}
	d := outboxData{Status: status, Statuses: outboxStatuses, Page: page, Progress: cs.d.Notify.ProgressTemplateID()}
	for _, it := range page.Items {
		row := outboxRow{OutboxItem: it, StatusName: outboxStatusName(it.Status)}
		if it.TemplateID != "" && it.TemplateID == d.Progress {
			row.TemplateName = "申请进度通知"
		}
		d.Rows = append(d.Rows, row)
	}
	if !r.HTMX() {
		if d.Delivery, err = cs.d.Notify.DeliveryCounts(r.Ctx(), outboxDays, cs.d.Now()); err != nil {
			return err
		}
	}
	return r.OK("outbox/outbox", "outbox-list", "消息发送", d)
}

// outboxRetry puts a dead message back in the queue (audited by the service).
func (cs *Console) outboxRetry(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	back := "/outbox?status=" + notify.StatusDead
	if _, err := cs.d.Notify.RetryDead(r.Ctx(), r.Actor(), id); err != nil {
		if Problem(err).Status == http.StatusConflict {
			return r.redirectError(back, err)
		}
		return err
	}
	return r.Redirect(back, "消息 #"+strconv.FormatInt(id, 10)+" 已重新排队，将在稍后发送")
}
