package dist

import "syscall"

// sysProcAttr makes a local worker die with the engine process that
// started it (Pdeathsig), besides ending when the master's heartbeats stop.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
