package match

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Embedder calls an OpenAI-compatible embeddings endpoint: POST {base}/v1/embeddings
// {"model","input":[...]} → {"data":[{"embedding":[...],"index":0},...]}. Vectors are cached in
// match_embeddings by (kind, id, model) with the SHA-256 of the text, so a text is embedded
// again only when it changes.
type Embedder struct {
	url    string
	model  string
	key    string
	client *http.Client
}

// NewEmbedder returns an Embedder, or nil when url is empty (semantic re-ranking off).
func NewEmbedder(url, model, key string) *Embedder {
	url = strings.TrimRight(strings.TrimSpace(url), "/")
	if url == "" {
		return nil
	}
	switch {
	case strings.HasSuffix(url, "/embeddings"):
	case strings.HasSuffix(url, "/v1"):
		url += "/embeddings"
	default:
		url += "/v1/embeddings"
	}
	return &Embedder{url: url, model: model, key: key, client: &http.Client{Timeout: 10 * time.Second}}
}

// Model is the model the vectors are of.
func (e *Embedder) Model() string { return e.model }

// maxBatch is how many texts one request carries.
const maxBatch = 64

// Embed returns the vectors of texts, in order.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += maxBatch {
		end := min(start+maxBatch, len(texts))
		vs, err := e.embed(ctx, texts[start:end])
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

func (e *Embedder) embed(ctx context.Context, texts []string) ([][]float32, error) {
	body, _ := json.Marshal(map[string]any{"model": e.model, "input": texts})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("match: embeddings request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if e.key != "" {
		req.Header.Set("Authorization", "Bearer "+e.key)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("match: embeddings: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("match: embeddings: read: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("match: embeddings: status %d", resp.StatusCode)
	}
	var ans struct {
		Data []struct {
			Embedding []float32 `json:"embedding"`
			Index     int       `json:"index"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, fmt.Errorf("match: embeddings: decode: %w", err)
	}
	out := make([][]float32, len(texts))
	for _, d := range ans.Data {
		if d.Index < 0 || d.Index >= len(texts) || len(d.Embedding) == 0 {
			return nil, errors.New("match: embeddings: bad index or empty vector")
		}
		out[d.Index] = d.Embedding
	}
	for i, v := range out {
		if v == nil {
			return nil, fmt.Errorf("match: embeddings: no vector for input %d", i)
		}
	}
	return out, nil
}

func hashText(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// Vectors returns the vectors of texts (id → text) of kind ("merchant", "project"): cached ones
// whose text is unchanged from match_embeddings, the others from the endpoint (then stored).
func (e *Embedder) Vectors(ctx context.Context, db *sqlx.DB, kind string, texts map[int64]string, now time.Time) (map[int64][]float32, error) {
	out := map[int64][]float32{}
	if len(texts) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(texts))
	for id := range texts {
		ids = append(ids, id)
	}
	q, args, err := sqlx.In(`SELECT ref_id, content_hash, vector FROM match_embeddings WHERE kind = ? AND model = ? AND ref_id IN (?)`,
		kind, e.model, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		RefID  int64  `db:"ref_id"`
		Hash   string `db:"content_hash"`
		Vector []byte `db:"vector"`
	}
	if err := db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("match: cached vectors: %w", err)
	}
	for _, r := range rows {
		if r.Hash == hashText(texts[r.RefID]) {
			out[r.RefID] = decodeVector(r.Vector)
		}
	}
	var missing []int64
	var inputs []string
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			missing = append(missing, id)
			inputs = append(inputs, texts[id])
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	// Batch by batch, each stored as it comes: a ranking cut short by its deadline keeps what
	// it got, and the next one goes on from there.
	for start := 0; start < len(missing); start += maxBatch {
		end := min(start+maxBatch, len(missing))
		vs, err := e.embed(ctx, inputs[start:end])
		if err != nil {
			return nil, err
		}
		for i, id := range missing[start:end] {
			out[id] = vs[i]
			if _, err := db.ExecContext(ctx, `INSERT INTO match_embeddings (kind, ref_id, model, content_hash, vector, created_at)
				VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE content_hash = VALUES(content_hash), vector = VALUES(vector),
				created_at = VALUES(created_at)`, kind, id, e.model, hashText(texts[id]), encodeVector(vs[i]), now.UTC()); err != nil {
				return nil, fmt.Errorf("match: store vector: %w", err)
			}
		}
	}
	return out, nil
}

// cosine of two vectors (0 when either is empty or they differ in length).
func cosine(a, b []float32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
