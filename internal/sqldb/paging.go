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
