//go:build !unix

package dupfile

import "os"

func dup(*os.File) (*os.File, error) { return nil, ErrUnsupported }
