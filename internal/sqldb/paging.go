package sqldb

// MaxPage is the deepest page a list serves. The HTTP layer refuses deeper pages with 400; Offset
// clamps them, so that no caller can overflow an OFFSET.
const MaxPage = 10000

// Offset is the OFFSET of page (counted from 1) of size rows, with page clamped to 1..MaxPage:
// (page-1)*size with page = 9223372036854775807 would wrap to a negative OFFSET, which MySQL
// refuses.
func Offset(page, size int) int {
	page = min(max(page, 1), MaxPage)
	size = min(max(size, 0), 1000)
	return (page - 1) * size
}

// DefaultPageSize is the page size of a list asked for none; MaxPageSize the largest served.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageRequest is which page of a list is asked for, counted from 1.
type PageRequest struct {
	Page     int
	PageSize int
}

// Norm returns the request with defaults and bounds applied: page 1..MaxPage, size
// 1..MaxPageSize (DefaultPageSize when unset).
func (r PageRequest) Norm() PageRequest {
	if r.PageSize <= 0 {
		r.PageSize = DefaultPageSize
	}
	r.PageSize = min(r.PageSize, MaxPageSize)
	r.Page = min(max(r.Page, 1), MaxPage)
	return r
}

// Limit and Offset are the LIMIT and OFFSET of the normalised request.
func (r PageRequest) Limit() int  { r = r.Norm(); return r.PageSize }
func (r PageRequest) Offset() int { r = r.Norm(); return Offset(r.Page, r.PageSize) }

// Page is one page of a list as every list answers it: the items, the total count of the list
// and which page this is. Items is never null in JSON.
type Page[T any] struct {
	Items    []T `json:"items"`
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
}

// NewPage returns the page of items for request r of a list of total rows.
func NewPage[T any](r PageRequest, items []T, total int) Page[T] {
	r = r.Norm()
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, Total: total, Page: r.Page, PageSize: r.PageSize}
}
