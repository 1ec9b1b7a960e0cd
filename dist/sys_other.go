//go:build !linux

package dist

import "syscall"

// sysProcAttr: elsewhere than on Linux, a local worker ends when the
// master's heartbeats stop.
func sysProcAttr() *syscall.SysProcAttr { return nil }
