//go:build unix

package pgroup

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

func isolate(cmd *exec.Cmd) {
	a := &syscall.SysProcAttr{Setpgid: true}
	setPdeathsig(a)
	cmd.SysProcAttr = a
	cmd.Cancel = func() error { return Kill(cmd.Process) }
}

// Kill sends SIGKILL to the process group that p leads (see Isolate), or to
// p alone when it leads none (its SysProcAttr was changed after Isolate).
// It returns os.ErrProcessDone, as os.Process.Kill does, when p is gone.
func Kill(p *os.Process) error {
	if p == nil {
		return nil
	}
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) || errors.Is(err, syscall.EPERM) {
		// No such group: kill the process itself.
		err = p.Kill()
	}
	return err
}
