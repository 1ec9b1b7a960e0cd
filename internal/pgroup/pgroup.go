// Package pgroup starts commands in process groups of their own, so that one
// kill ends a command and every process it started (a shell's children, a
// build's compilers), not only the process exec.Cmd knows.
//
// The Go engine uses it for the commands that cells start with os/exec: an
// interrupt or a timeout of the cell then ends them, whole. On systems
// other than Unix it does nothing beyond what os/exec does.
package pgroup

import "os/exec"

// Isolate prepares cmd, made by exec.CommandContext and not started yet
// (os/exec refuses to start a command with a Cancel that exec.Command
// made), to run in a process group of its own, and sets its Cancel (which exec.CommandContext's context calls when
// it ends) to kill that whole group with SIGKILL. On Linux the command also
// gets SIGKILL when this process dies (Pdeathsig; strictly, when the thread
// that starts it ends, which for a goroutine that has not locked its
// thread is when the process ends). It replaces cmd.SysProcAttr. Outside
// Unix it leaves cmd as it is.
func Isolate(cmd *exec.Cmd) {
	isolate(cmd)
}
