//go:build !unix

package pgroup

import (
	"os"
	"os/exec"
)

func isolate(*exec.Cmd) {}

// Kill kills p (there are no process groups to kill here).
func Kill(p *os.Process) error {
	if p == nil {
		return nil
	}
	return p.Kill()
}
