//go:build !unix

package magic

import "os/exec"

// setProcessGroup keeps exec's default: an interrupt kills the shell only.
func setProcessGroup(cmd *exec.Cmd) {}
