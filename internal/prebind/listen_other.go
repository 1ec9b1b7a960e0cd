//go:build !(linux || darwin)

package prebind

import (
	"errors"
	"os"
)

// listen is not done early on this system: the kernel binds as usual.
func listen(transport, ip string, port int) (*os.File, error) {
	return nil, errors.New("not supported on this system")
}
