//go:build unix && !linux

package proc

import "syscall"

// setPdeathsig does nothing outside Linux: the child notices the kernel's
// death when the protocol connection reaches end of file.
func setPdeathsig(*syscall.SysProcAttr) {}
