//go:build unix

package interp

import (
	"fmt"
	"os"
	"reflect"
	"syscall"
)

// syscallOverrides are gopar's syscall.Exit, which ends the cell as
// os.Exit does, and syscall.Kill, which refuses to signal the kernel's
// own process or process group.
var syscallOverrides = map[string]reflect.Value{
	"Exit": reflect.ValueOf(func(code int) { panic(exitError{code}) }),
	"Kill": reflect.ValueOf(syscallKill),
}

// syscallKill is syscall.Kill, except for the kernel's own process (pid
// 0 or -1, its pid, or minus its process group).
func syscallKill(pid int, sig syscall.Signal) error {
	if pid == 0 || pid == -1 || pid == os.Getpid() || pid == -syscall.Getpgrp() {
		return fmt.Errorf("syscall.Kill(%d, %v): refused by gopar: it would signal the kernel's own process", pid, sig)
	}
	return syscall.Kill(pid, sig)
}
