package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
	"huixiang/internal/person"
	"huixiang/internal/points"
)

// The points pages mirror the JSON API's grantors group (internal/httpapi/points.go): grant
// (handlePointsGrant), reverse (handlePointsReverse), the rules (handlePointsRules), the
// statistics (handlePointsStats) and a person's ledger (handleMyPointEntries, for staff).
func (cs *Console) registerPoints(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePoints
	cs.handle(g, page{Path: "/points", Title: "发放积分", Menu: "积分", May: may}, cs.pointsGrantPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/points/grants", Title: "发放积分", May: may}, cs.pointsGrant)
	cs.handle(g, page{Path: "/points/people/:id", Title: "积分明细", May: may}, cs.pointsPerson)
	cs.handle(g, page{Method: http.MethodPost, Path: "/points/entries/:id/reverse", Title: "冲正积分", May: may}, cs.pointsReverse)
	cs.handle(g, page{Path: "/points/rules", Title: "积分规则", Menu: "积分", May: may}, cs.pointsRules)
	cs.handle(g, page{Path: "/points/stats", Title: "积分统计", Menu: "积分", May: may}, cs.pointsStats)
}

// ruleOption is a rule the signed-in staff member may grant, for the grant form.
type ruleOption struct {
	points.Rule
	PerAmountYuan string // "" for a rule with fixed points
}

func grantableRules(all []points.Rule, a actor.Actor) []ruleOption {
	var out []ruleOption
	for _, r := range all {
		if !r.Active || !r.GrantableBy(a) {
			continue
		}
		o := ruleOption{Rule: r}
		if r.PerAmountFen != nil {
			o.PerAmountYuan = yuanText(*r.PerAmountFen)
		}
		out = append(out, o)
	}
	return out
}

func yuanText(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

type grantPageData struct {
	Q       string
	Matches []person.Match
	// Searched: a search was made (an empty result says so).
	Searched bool
	// Person is the person chosen to grant to (nil: none yet).
	Person *person.Match
	// Balance is the chosen person's balance.
	Balance int64
	Rules   []ruleOption
}

// pointsGrantPage: search a person (htmx: the candidates only), choose one, fill the grant form.
func (cs *Console) pointsGrantPage(r *request) error {
	d := grantPageData{Q: r.Query("q")}
	if d.Q != "" {
		ms, err := cs.d.Alumni.FindRecipients(r.Ctx(), r.Actor(), d.Q)
		var se *person.SearchError
		if errors.As(err, &se) {
			return badInput(se.Message)
		}
		if err != nil {
			return err
		}
		d.Matches, d.Searched = ms, true
	}
	if r.HTMX() && r.c.GetHeader("HX-Target") == "candidates" {
		return r.OK("points/grant", "candidates", "发放积分", d)
	}
	if s := r.Query("person"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return errNotFound
		}
		m, err := cs.d.Alumni.Recipient(r.Ctx(), r.Actor(), id)
		if err != nil {
			return err
		}
		d.Person = &m
		sum, err := cs.d.Points.Summary(r.Ctx(), id, 0)
		if err != nil {
			return err
		}
		d.Balance = sum.Balance
		rules, err := cs.d.Points.Rules(r.Ctx())
		if err != nil {
			return err
		}
		d.Rules = grantableRules(rules, r.Actor())
	}
	return r.OK("points/grant", "", "发放积分", d)
}

// pointsGrant grants points (points.Service.Grant) and shows the person's ledger with the new
// balance.
func (cs *Console) pointsGrant(r *request) error {
	pid, err := strconv.ParseInt(r.Form("person_id"), 10, 64)
	if err != nil || pid <= 0 {
		return badInput("请先查找并选择要发放积分的人员")
	}
	fen, ok := int64(0), true
	if amount := r.Form("amount_yuan"); amount != "" { // only the donation rule has an amount
		fen, ok = cn.ParseYuan(amount)
	}
	if !ok {
		return badInput("金额请填写数字（元），最多两位小数")
	}
	e, err := cs.d.Points.Grant(r.Ctx(), r.Actor(), points.GrantInput{PersonID: pid, Rule: r.Form("rule"),
		Reference: r.Form("reference"), Note: r.Form("note"), AmountFen: fen})
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/points/people/%d", pid),
		fmt.Sprintf("已发放 %d 积分，当前余额 %d 分", e.Delta, e.BalanceAfter))
}

type ledgerRow struct {
	points.Entry
	// Reversible: a grant not reversed on this page (the service decides in the end).
	Reversible bool
	Reversed   bool
	RuleName   string
	Reason     string
}

type personPageData struct {
	Person  person.Match
	Summary points.Summary
	Rows    []ledgerRow
	Total   int
	Page    int
	Size    int
}

var reasonNames = map[string]string{
	points.ReasonGrant: "发放", points.ReasonReverse: "冲正", points.ReasonRedeem: "兑换",
	points.ReasonRefund: "退回", points.ReasonExpire: "过期",
}

// pointsPerson is a person's balance and ledger, newest first, with a reversal per grant.
func (cs *Console) pointsPerson(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	m, err := cs.d.Alumni.Recipient(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	sum, err := cs.d.Points.Summary(r.Ctx(), id, 90*24*time.Hour)
	if err != nil {
		return err
	}
	pr := r.PageRequest()
	entries, err := cs.d.Points.Entries(r.Ctx(), id, pr)
	if err != nil {
		return err
	}
	reversed := map[int64]bool{}
	for _, e := range entries.Items {
		if e.ReasonCode == points.ReasonReverse && e.ReversesEntryID != nil {
			reversed[*e.ReversesEntryID] = true
		}
	}
	rules, err := cs.d.Points.Rules(r.Ctx())
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, ru := range rules {
		names[ru.Code] = ru.Name
	}
	d := personPageData{Person: m, Summary: sum, Total: entries.Total, Page: pr.Page, Size: pr.PageSize}
	for _, e := range entries.Items {
		row := ledgerRow{Entry: e, Reversed: reversed[e.ID], Reason: reasonNames[e.ReasonCode],
			Reversible: e.ReasonCode == points.ReasonGrant && !reversed[e.ID]}
		if e.RuleCode != nil {
			row.RuleName = names[*e.RuleCode]
		}
		d.Rows = append(d.Rows, row)
	}
	return r.OK("points/person", "", m.Name+" 的积分", d)
}

// pointsReverse reverses a grant (points.Service.Reverse) with the reason given.
func (cs *Console) pointsReverse(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	e, err := cs.d.Points.Reverse(r.Ctx(), r.Actor(), id, r.Form("reason"))
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/points/people/%d", e.PersonID),
		fmt.Sprintf("已冲正 %d 积分，当前余额 %d 分", -e.Delta, e.BalanceAfter))
}

type rulesPageData struct {
	Rules []ruleRow
}

type ruleRow struct {
	points.Rule
	PerAmountYuan string
	Grantable     bool
}

func (cs *Console) pointsRules(r *request) error {
	rules, err := cs.d.Points.Rules(r.Ctx())
	if err != nil {
		return err
	}
	d := rulesPageData{}
	for _, ru := range rules {
		row := ruleRow{Rule: ru, Grantable: ru.Active && ru.GrantableBy(r.Actor())}
		if ru.PerAmountFen != nil {
			row.PerAmountYuan = yuanText(*ru.PerAmountFen)
		}
		d.Rules = append(d.Rules, row)
	}
	return r.OK("points/rules", "", "积分规则", d)
}

type statsPageData struct {
	Stats  points.Stats
	Months int
	Option map[string]any
	// Totals over the months shown.
	Issued, Spent, Reversed, Expired int64
}

// pointsStats: points issued and redeemed by month (a chart and its table), the top
// contributors and the vouchers of each perk.
func (cs *Console) pointsStats(r *request) error {
	months, _ := strconv.Atoi(r.Query("months"))
	if months != 6 && months != 24 {
		months = 12
	}
	st, err := cs.d.Points.Stats(r.Ctx(), months)
	if err != nil {
		return err
	}
	d := statsPageData{Stats: st, Months: months}
	labels := make([]string, 0, len(st.Months))
	issued := make([]int64, 0, len(st.Months))
	spent := make([]int64, 0, len(st.Months))
	for _, m := range st.Months {
		labels = append(labels, m.Month)
		issued = append(issued, m.Issued)
		spent = append(spent, m.Spent-m.Refunded)
		d.Issued += m.Issued
		d.Spent += m.Spent - m.Refunded
		d.Reversed += m.Reversed
		d.Expired += m.Expired
	}
	d.Option = map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"data": []string{"发放", "兑换"}, "top": 0, "right": 16},
		"grid":    map[string]any{"left": 56, "right": 16, "bottom": 32, "top": 48, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": labels},
		"yAxis":   map[string]any{"type": "value", "name": "积分"},
		"series": []map[string]any{
			{"name": "发放", "type": "bar", "barMaxWidth": 48, "data": issued, "itemStyle": map[string]any{"color": "#0052d9"}},
			{"name": "兑换", "type": "bar", "barMaxWidth": 48, "data": spent, "itemStyle": map[string]any{"color": "#1f7a3d"}},
		},
	}
	return r.OK("points/stats", "", "积分统计", d)
}
