package httpapi_test

import "io"

// ioPipe is a body without a Content-Length, so the limit must act while reading.
func ioPipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }
