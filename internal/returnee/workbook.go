package returnee

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// OpenWorkbook opens an uploaded .xlsx with the guards of the returnee import (the zip magic,
// the unzipped-size bound, no DOCTYPE in any XML part), for other registries' imports. Errors
// are ErrNotXLSX, ErrSheetTooLarge and ErrSheetDoctype; the caller closes the file.
func OpenWorkbook(r io.ReaderAt, size int64) (*excelize.File, error) { return openWorkbook(r, size) }
