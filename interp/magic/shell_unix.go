//go:build unix

package magic

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup puts the command in its own process group, so that an
// interrupt reaches every process it started: SIGINT first, SIGKILL after
// killGrace.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		pid := cmd.Process.Pid
		err := syscall.Kill(-pid, syscall.SIGINT)
		time.AfterFunc(killGrace, func() { syscall.Kill(-pid, syscall.SIGKILL) })
		return err
	}
}
