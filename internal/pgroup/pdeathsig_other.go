//go:build unix && !linux

package pgroup

import "syscall"

func setPdeathsig(*syscall.SysProcAttr) {}
