package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"huixiang/internal/config"
)

type matchItem struct {
	MerchantID   int64    `json:"merchant_id"`
	Name         string   `json:"name"`
	Phone        string   `json:"phone"`
	Score        int      `json:"score"`
	Reasons      []string `json:"reasons"`
	Status       string   `json:"status"`
	Note         string   `json:"note"`
	Version      int      `json:"version"`
	InterestedAt *string  `json:"interested_at"`
}

type projectMatches struct {
	Semantic bool        `json:"semantic"`
	Items    []matchItem `json:"items"`
}

func (e *env) projectMatches(tok string, id int64) projectMatches {
	e.t.Helper()
	r := e.do("GET", fmt.Sprintf("/admin/api/v1/projects/%d/matches", id), tok, nil)
	expect(e.t, r, 200, "")
	var out projectMatches
	r.json(e.t, &out)
	return out
}

func itemOf(t *testing.T, pm projectMatches, merchantID int64) matchItem {
	t.Helper()
	for _, it := range pm.Items {
		if it.MerchantID == merchantID {
			return it
		}
	}
	t.Fatalf("merchant %d not in %+v", merchantID, pm.Items)
	return matchItem{}
}

// A published tea project in 贺胜桥镇 ranks the tea merchant from there first with the reasons in
// words and the phone masked; staff move the match along with notes (stale version and a move
// back are 409); the merchant sees the project in 为您推荐 and says 感兴趣 (201, then 200), which
// shows on the project's matches page; township staff of another township get 404.
func TestMatches_rankMoveInterest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)

	form := projectForm("青砖茶饮料生产线", "C13", "food", "990102", 0)
	form["description"] = "年产 5 万吨茶叶饮料生产线，收购本地茶叶"
	p := e.createProject(admin, form)
	other := e.createProject(admin, projectForm("未发布的项目", "C34", "equipment", "990102", 0))
	expect(t, e.moveProject(admin, p.ID, "packaging", nil), 200, "")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/projects/%d/publish", p.ID), admin, nil), 200, "")

	tea := merchantForm(801, "990102", "13", "广东省", "1000_5000", "tea")
	tea["preferred_township"] = "990102"
	m1 := e.createMerchant(admin, tea)
	m2 := e.createMerchant(admin, merchantForm(802, "990101", "70", "北京市", "lt_100", "other"))

	pm := e.projectMatches(admin, p.ID)
	if len(pm.Items) != 2 || pm.Items[0].MerchantID != m1.PersonID || pm.Items[0].Score <= pm.Items[1].Score || pm.Semantic {
		t.Fatalf("ranked = %+v", pm)
	}
	first := pm.Items[0]
	for _, want := range []string{"同属农副食品加工业", "意向投资 1000–5000 万，项目需 3000 万", "籍贯贺胜桥镇，项目在贺胜桥镇", "意向领域含 茶叶"} {
		if !slices.Contains(first.Reasons, want) {
			t.Errorf("reasons %q lack %q", first.Reasons, want)
		}
	}
	if first.Phone != "137****0801" || first.Status != "recommended" || first.Version != 0 || first.InterestedAt != nil {
		t.Fatalf("first = %+v", first)
	}

	// Staff move the match with notes.
	path := fmt.Sprintf("/admin/api/v1/projects/%d/matches/%d", p.ID, m1.PersonID)
	r := e.do("PATCH", path, admin, map[string]any{"status": "contacted", "note": "电话联系，约下周面谈"})
	expect(t, r, 200, "")
	var moved struct {
		Status  string `json:"status"`
		Version int    `json:"version"`
		History []struct {
			ToStatus string `json:"to_status"`
			Note     string `json:"note"`
		} `json:"history"`
	}
	r.json(t, &moved)
	if moved.Status != "contacted" || moved.Version != 2 || len(moved.History) != 1 || moved.History[0].Note != "电话联系，约下周面谈" {
		t.Fatalf("moved = %s", r.Body)
	}
	expect(t, e.do("PATCH", path, admin, map[string]any{"status": "interested", "version": 1}), 409, "STALE_VERSION")
	expect(t, e.do("PATCH", path, admin, map[string]any{"status": "recommended", "version": 2}), 409, "INVALID_TRANSITION")
	expect(t, e.do("PATCH", path, admin, map[string]any{"status": "contacted"}), 422, "VALIDATION_FAILED")
	expect(t, e.do("PATCH", path, admin, map[string]any{"status": "won"}), 422, "VALIDATION_FAILED")
	expect(t, e.do("PATCH", path, admin, map[string]any{"status": "interested", "note": "有意向", "version": 2}), 200, "")
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/projects/%d/matches/999999", p.ID), admin, map[string]any{"status": "contacted"}), 404, "NOT_FOUND")
	if it := itemOf(t, e.projectMatches(admin, p.ID), m1.PersonID); it.Status != "interested" || it.Note != "有意向" || it.Version != 3 {
		t.Fatalf("after moves = %+v", it)
	}
	var audits int
	if err := e.db.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE action = 'match.move' AND target_id = ?`, fmt.Sprint(p.ID)); err != nil || audits != 2 {
		t.Fatalf("audited moves = %d, %v", audits, err)
	}

	// Township staff: another township's project is 404; their own merchants only.
	town := e.staffOf("gbq", "township", "990101")
	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/projects/%d/matches", p.ID), town, nil), 404, "NOT_FOUND")
	expect(t, e.do("PATCH", path, town, map[string]any{"status": "visiting"}), 404, "NOT_FOUND")
	r = e.do("GET", fmt.Sprintf("/admin/api/v1/merchants/%d/matches", m2.PersonID), town, nil)
	expect(t, r, 200, "")
	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/merchants/%d/matches", m1.PersonID), town, nil), 404, "NOT_FOUND")

	// Projects ranked for the merchant.
	r = e.do("GET", fmt.Sprintf("/admin/api/v1/merchants/%d/matches", m1.PersonID), admin, nil)
	expect(t, r, 200, "")
	var mm struct {
		Items []struct {
			Project struct {
				ID int64 `json:"id"`
			} `json:"project"`
			Score  int    `json:"score"`
			Status string `json:"status"`
		} `json:"items"`
	}
	r.json(t, &mm)
	if len(mm.Items) != 2 || mm.Items[0].Project.ID != p.ID || mm.Items[0].Status != "interested" {
		t.Fatalf("merchant matches = %s", r.Body)
	}
	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/projects/%d/matches?limit=0", p.ID), admin, nil), 400, "VALIDATION_FAILED")

	// The merchant in the mini program.
	stranger, _ := e.alumnus("o_nomerchant", 811)
	expect(t, e.do("GET", "/api/v1/me/matches", stranger, nil), 409, "NOT_MERCHANT")
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/matches/%d/interest", p.ID), stranger, nil), 409, "NOT_MERCHANT")
	tok, _ := e.alumnus("o_teamerchant", 812)
	body := merchantForm(812, "990102", "15", "广东省", "1000_5000", "tea")
	delete(body, "name")
	delete(body, "id_card")
	delete(body, "phone")
	delete(body, "enterprises")
	expect(t, e.do("PUT", "/api/v1/me/merchant", tok, body), 200, "")
	r = e.do("GET", "/api/v1/me/matches", tok, nil)
	expect(t, r, 200, "")
	var mine struct {
		Items []struct {
			Project struct {
				ID            int64  `json:"id"`
				Name          string `json:"name"`
				Industry      string `json:"industry"`
				Township      string `json:"township"`
				InvestmentFen int64  `json:"investment_fen"`
			} `json:"project"`
			Score      int      `json:"score"`
			Reasons    []string `json:"reasons"`
			Interested bool     `json:"interested"`
		} `json:"items"`
	}
	r.json(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Project.ID != p.ID || mine.Items[0].Project.Township != "贺胜桥镇" ||
		mine.Items[0].Project.InvestmentFen != 3_000_000_000 || mine.Items[0].Interested || mine.Items[0].Score == 0 ||
		!slices.Contains(mine.Items[0].Reasons, "意向领域含 茶叶") || strings.Contains(string(r.Body), "王科长") {
		t.Fatalf("mine = %s", r.Body)
	}
	interest := fmt.Sprintf("/api/v1/me/matches/%d/interest", p.ID)
	expect(t, e.do("POST", interest, tok, nil), 201, "")
	expect(t, e.do("POST", interest, tok, nil), 200, "")
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/matches/%d/interest", other.ID), tok, nil), 404, "NOT_FOUND")
	r = e.do("GET", "/api/v1/me/matches", tok, nil)
	r.json(t, &mine)
	if !mine.Items[0].Interested {
		t.Fatalf("after interest = %s", r.Body)
	}
	var selfID int64
	if err := e.db.Get(&selfID, `SELECT merchant_id FROM project_interests WHERE project_id = ?`, p.ID); err != nil {
		t.Fatal(err)
	}
	if it := itemOf(t, e.projectMatches(admin, p.ID), selfID); it.InterestedAt == nil {
		t.Fatalf("interest not shown to staff: %+v", it)
	}

	// Parallel taps on another project: one 201, the rest 200, one row.
	expect(t, e.moveProject(admin, other.ID, "packaging", nil), 200, "")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/projects/%d/publish", other.ID), admin, nil), 200, "")
	codes := make(chan int, 6)
	for range 6 {
		go func() {
			codes <- e.do("POST", fmt.Sprintf("/api/v1/me/matches/%d/interest", other.ID), tok, nil).Status
		}()
	}
	created := 0
	for range 6 {
		switch c := <-codes; c {
		case 201:
			created++
		case 200:
		default:
			t.Errorf("parallel interest: %d", c)
		}
	}
	var rows int
	if err := e.db.Get(&rows, `SELECT COUNT(*) FROM project_interests WHERE project_id = ?`, other.ID); err != nil || created != 1 || rows != 1 {
		t.Fatalf("parallel interest: created %d, rows %d, %v", created, rows, err)
	}
}

// With an embeddings endpoint configured, the vectors re-rank the list and are cached by text:
// a second ranking asks only for what changed; when the endpoint fails, the list still answers
// 200 without them.
func TestMatches_embeddingsReRankCacheAndFallback(t *testing.T) {
	t.Parallel()
	var calls, inputs atomic.Int64
	var failing atomic.Bool
	stand := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v1/embeddings" || r.Header.Get("Authorization") != "Bearer k-test" {
			http.Error(w, "bad request", 400)
			return
		}
		if failing.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "m-test" {
			http.Error(w, "bad body", 400)
			return
		}
		calls.Add(1)
		inputs.Add(int64(len(req.Input)))
		type datum struct {
			Embedding []float32 `json:"embedding"`
			Index     int       `json:"index"`
		}
		out := struct {
			Data []datum `json:"data"`
		}{}
		for i, in := range req.Input {
			// Two dimensions: how much the text is about tea, and about everything else.
			v := []float32{0, 1}
			if strings.Contains(in, "茶") {
				v = []float32{1, 0}
			}
			out.Data = append(out.Data, datum{Embedding: v, Index: i})
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(stand.Close)
	e := newEnv(t, func(c *config.Config) {
		c.Match = config.Match{EmbeddingsURL: stand.URL, EmbeddingsModel: "m-test", EmbeddingsKey: "k-test"}
	})
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	form := projectForm("茶饮料项目", "C15", "food", "990102", 0)
	form["description"] = "茶饮料生产"
	p := e.createProject(admin, form)
	m1 := e.createMerchant(admin, merchantForm(821, "990101", "15", "广东省", "", "tea"))
	e.createMerchant(admin, merchantForm(822, "990101", "15", "广东省", ""))

	pm := e.projectMatches(admin, p.ID)
	if !pm.Semantic || pm.Items[0].MerchantID != m1.PersonID || !slices.ContainsFunc(pm.Items[0].Reasons, func(s string) bool {
		return strings.HasPrefix(s, "语义相近")
	}) {
		t.Fatalf("semantic ranking = %+v", pm)
	}
	if calls.Load() == 0 || inputs.Load() != 3 {
		t.Fatalf("calls %d, inputs %d", calls.Load(), inputs.Load())
	}
	var cached int
	if err := e.db.Get(&cached, `SELECT COUNT(*) FROM match_embeddings WHERE model = 'm-test'`); err != nil || cached != 3 {
		t.Fatalf("cached = %d, %v", cached, err)
	}
	// Unchanged texts are not embedded again; a changed project text is.
	e.projectMatches(admin, p.ID)
	if inputs.Load() != 3 {
		t.Fatalf("re-embedded unchanged texts: inputs %d", inputs.Load())
	}
	r := e.do("PATCH", fmt.Sprintf("/admin/api/v1/projects/%d", p.ID), admin, map[string]any{"version": 1, "description": "茶饮料及茶叶深加工"})
	expect(t, r, 200, "")
	e.projectMatches(admin, p.ID)
	if inputs.Load() != 4 {
		t.Fatalf("changed text: inputs %d, want 4", inputs.Load())
	}
	// The endpoint down: still 200, ranked without it.
	failing.Store(true)
	e.do("PATCH", fmt.Sprintf("/admin/api/v1/projects/%d", p.ID), admin, map[string]any{"version": 2, "description": "茶饮料"})
	pm = e.projectMatches(admin, p.ID)
	if pm.Semantic || len(pm.Items) != 2 || pm.Items[0].MerchantID != m1.PersonID {
		t.Fatalf("fallback = %+v", pm)
	}
}

// Parallel moves of one match at one version: exactly one wins, the others are 409, and one
// history row is written.
func TestMatches_parallelMovesOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	p := e.createProject(admin, projectForm("并发项目", "C13", "food", "990101", 0))
	m := e.createMerchant(admin, merchantForm(831, "990101", "13", "广东省", "1000_5000", "tea"))
	path := fmt.Sprintf("/admin/api/v1/projects/%d/matches/%d", p.ID, m.PersonID)
	const n = 8
	codes := make(chan int, n)
	for i := range n {
		go func() {
			codes <- e.do("PATCH", path, admin, map[string]any{"status": "contacted", "note": fmt.Sprint("第", i, "次"), "version": 1}).Status
		}()
	}
	won := 0
	for range n {
		switch c := <-codes; c {
		case 200:
			won++
		case 409:
		default:
			t.Errorf("status %d", c)
		}
	}
	var rows int
	if err := e.db.Get(&rows, `SELECT COUNT(*) FROM project_match_history`); err != nil || won != 1 || rows != 1 {
		t.Fatalf("won %d, history rows %d, %v", won, rows, err)
	}
}
