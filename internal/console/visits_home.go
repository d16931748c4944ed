package console

import (
	"strconv"

	"huixiang/internal/cn"
	"huixiang/internal/visit"
)

// homeVisits adds the 叩门招商 numbers to the 工作台: the year's visits out and delegations in
// against the plan (with the targets, for those who see them) and the overdue follow-ups as a
// to-do of the actor's scope. A failure to read them is logged and shown as a to-do instead of
// failing the whole page.
func (cs *Console) homeVisits(r *request, d *homeData) {
	a := r.Actor()
	year := d.Year
	if year == 0 {
		year = cs.d.Now().In(cn.Zone).Year()
	}
	st, err := cs.d.Visits.Stats(r.Ctx(), a, year)
	if err != nil {
		cs.d.Log.ErrorContext(r.Ctx(), "home: visit stats", "error", err.Error())
		d.Todos = append(d.Todos, todo{Label: "走访接待数据暂时无法读取", Hint: "请稍后刷新", Href: "/console/visits"})
		return
	}
	if d.Year != 0 {
		y := "?year=" + strconv.Itoa(year)
		d.Targets = append(d.Targets,
			target{Label: "走出去拜访", Count: st.Out, Goal: visit.OutTarget, Href: "/console/visits" + y + "&kind=out"},
			target{Label: "请进来接待", Count: st.In, Goal: visit.InTarget, Href: "/console/visits" + y + "&kind=in"},
			target{Label: "招商活动", Count: st.Event, Goal: visit.EventTarget, Href: "/console/visits" + y + "&kind=event"})
	}
	d.Todos = append(d.Todos, todo{Label: "逾期未办结的招商跟进", Hint: "走访接待后约定的跟进事项已过期限",
		Count: st.OverdueFollowups, Href: "/console/visits#overdue"})
}
