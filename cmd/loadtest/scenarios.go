package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"huixiang/internal/privacy"
)

// The register and submit scenarios need the demo regions (server seed) on the server.
const (
	benchTownship = "990101"
	benchVillage  = "990101001"
)

// idNumber returns a valid identity card number (GB 11643) for seq.
func idNumber(seq int) string {
	birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, seq/1000)
	s17 := fmt.Sprintf("421202%s%03d", birth.Format("20060102"), seq%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

// uscc completes 17 characters with their GB 32100 check character.
func uscc(s17 string) string {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	w := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(chars, s17[i]) * w[i]
	}
	return s17 + string(chars[(31-sum%31)%31])
}

// call sends a JSON request with a bearer token and decodes a 2xx answer into out.
func (l *loader) call(ctx context.Context, method, u, token string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := l.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, snippet(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// registrants signs n users in, has each accept the privacy policy (ID numbers need it) and
// binds a phone to each: setup, before the timed phase.
func (l *loader) registrants(ctx context.Context, n int) ([]string, error) {
	tokens, err := l.signIn(ctx, n)
	if err != nil {
		return nil, err
	}
	l.logf("accepting the privacy policy and binding %d phones", n)
	for i, tok := range tokens {
		if err := l.call(ctx, http.MethodPost, l.o.url+"/api/v1/me/privacy-consent", tok, map[string]string{"version": privacy.CurrentVersion}, nil); err != nil {
			return nil, err
		}
		body, _ := json.Marshal(map[string]string{"phone": fmt.Sprintf("139%08d", i)})
		var pc struct {
			Code string `json:"code"`
		}
		if err := l.postJSON(ctx, l.o.fake+"/__fake/phone-code", body, &pc); err != nil {
			return nil, err
		}
		if err := l.call(ctx, http.MethodPost, l.o.url+"/api/v1/me/phone", tok, map[string]string{"code": pc.Code}, nil); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}

// returneeForm is worker i's registration; rev changes a field so each PUT is a real update.
func returneeForm(i, base, rev int, started bool) map[string]any {
	f := map[string]any{
		"name": "测试", "id_card": idNumber(base + i), "township_code": benchTownship, "village_code": benchVillage,
		"status": "returned", "returned_on": "2025-03-01", "work_province": "广东省", "work_city": "东莞市",
		"industry": "电子制造", "years_away": rev % 40, "skills": []string{"electrician"}, "skills_text": "会电焊",
		"intention": "preparing", "intended_fields": []string{"tea"}, "needs": []string{"funds", "training"},
	}
	if started {
		f["intention"] = "started"
		f["business"] = map[string]any{"name": "茶叶店", "type": "individual", "uscc": uscc(fmt.Sprintf("92421202MA4%06d", base+i)),
			"started_on": time.Now().AddDate(0, -1, 0).Format("2006-01-02")}
	}
	return f
}

func (l *loader) seqBase() int { return int(time.Now().UnixNano()/1e6) % 20000 * 50 }

// runRegister times PUT /api/v1/me/returnee: each worker is a registered user updating their
// record (a changed field each time: the update path with its history row and WeChat's content
// check).
func (l *loader) runRegister(ctx context.Context, res *result) (*result, error) {
	tokens, err := l.registrants(ctx, l.o.concurrency)
	if err != nil {
		return nil, err
	}
	base := l.seqBase()
	for i, tok := range tokens {
		if err := l.call(ctx, http.MethodPut, l.o.url+"/api/v1/me/returnee", tok, returneeForm(i, base, 0, false), nil); err != nil {
			return nil, fmt.Errorf("registering user %d: %w", i, err)
		}
	}
	var rev atomic.Int64
	tgt := func(ctx context.Context, worker int) (*http.Request, bool) {
		b, _ := json.Marshal(returneeForm(worker, base, int(rev.Add(1)), false))
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, l.o.url+"/api/v1/me/returnee", bytes.NewReader(b))
		if err != nil {
			return nil, false
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tokens[worker%len(tokens)])
		return req, true
	}
	return l.timed(ctx, res, tgt)
}

func (l *loader) timed(ctx context.Context, res *result, tgt target) (*result, error) {
	if l.o.warmup > 0 {
		warm := l.phase(ctx, l.o.warmup, tgt, false)
		res.WarmupRequests = warm.requests
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := l.phase(ctx, l.o.duration, tgt, true)
	res.fill(p)
	res.CodesExhausted = p.exhausted
	return res, ctx.Err()
}

var tinyPNG = func() []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)))
	return b.Bytes()
}()

func (l *loader) upload(ctx context.Context, token, kind string) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", kind+".png")
	_, _ = fw.Write(tinyPNG) // into a bytes.Buffer: cannot fail
	_ = mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.o.url+"/api/v1/uploads", &buf)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := l.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &out) != nil {
		return "", fmt.Errorf("upload: %s %s", resp.Status, snippet(b))
	}
	return out.ID, nil
}

// runSubmit times POST /api/v1/applications/{id}/submit. Before the clock starts, every worker's
// entrepreneur creates loan drafts with their two ID photos attached (each draft needs its own
// uploads); the timed phase submits them, each submit a full eligibility, form and materials
// check, a conditional UPDATE, the timeline event and the audit row in one transaction.
func (l *loader) runSubmit(ctx context.Context, res *result) (*result, error) {
	tokens, err := l.registrants(ctx, l.o.concurrency)
	if err != nil {
		return nil, err
	}
	base := l.seqBase()
	for i, tok := range tokens {
		if err := l.call(ctx, http.MethodPut, l.o.url+"/api/v1/me/returnee", tok, returneeForm(i, base, 0, true), nil); err != nil {
			return nil, fmt.Errorf("registering entrepreneur %d: %w", i, err)
		}
	}
	perWorker := max(1, l.o.maxCodes/len(tokens))
	l.logf("creating %d drafts per worker", perWorker)
	drafts := make([][]int64, len(tokens))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w, tok := range tokens {
		wg.Go(func() {
			for k := range perWorker {
				front, err := l.upload(ctx, tok, "id_front")
				if err == nil {
					var back string
					if back, err = l.upload(ctx, tok, "id_back"); err == nil {
						var app struct {
							ID int64 `json:"id"`
						}
						err = l.call(ctx, http.MethodPost, l.o.url+"/api/v1/applications", tok, map[string]any{
							"policy": "guaranteed_loan", "amount_fen": 10000000 + k, "term_months": 24, "purpose": "扩大经营",
							"bank_name": "咸安农商行", "bank_account": "6222021234567890123", "attachments": []string{front, back},
						}, &app)
						drafts[w] = append(drafts[w], app.ID)
					}
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("creating drafts: %w", firstErr)
	}
	next := make([]atomic.Int64, len(tokens))
	tgt := func(ctx context.Context, worker int) (*http.Request, bool) {
		w := worker % len(tokens)
		i := next[w].Add(1) - 1
		if i >= int64(len(drafts[w])) {
			return nil, false
		}
		u := l.o.url + "/api/v1/applications/" + strconv.FormatInt(drafts[w][i], 10) + "/submit"
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(`{"version":1}`))
		if err != nil {
			return nil, false
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tokens[w])
		return req, true
	}
	// No warm-up: every draft is submitted once, and the drafts are the run's budget.
	l.o.warmup = 0
	return l.timed(ctx, res, tgt)
}
