package proc

import "syscall"

// setPdeathsig has the child killed when the thread that started it ends;
// that thread lives as long as the child (see child.run).
func setPdeathsig(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
