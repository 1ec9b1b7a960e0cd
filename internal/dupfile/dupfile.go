// Package dupfile duplicates open files: a duplicate shares the original's
// file (its offset, and for a pipe its buffer) but is closed on its own.
//
// The Go engine gives cells duplicates of its output pipes as os.Stdout and
// os.Stderr, so that a cell that closes one does not close the pipe.
package dupfile

import (
	"errors"
	"os"
)

// ErrUnsupported is returned by Dup on systems where it is not
// implemented.
var ErrUnsupported = errors.New("dupfile: duplicating files is not supported on this system")

// Dup returns a new *os.File for the file f is open on, with a descriptor
// of its own (close-on-exec), named as f is.
func Dup(f *os.File) (*os.File, error) {
	return dup(f)
}
