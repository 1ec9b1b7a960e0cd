//go:build unix

package proc

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// socketPair returns the two ends of a stream socket pair: the parent's, as
// a net.Conn, and the child's, as a file to pass in ExtraFiles. Both are
// close-on-exec (ExtraFiles clears the flag on the child's copy).
func socketPair() (net.Conn, *os.File, error) {
	// Hold ForkLock so that no process started meanwhile inherits the
	// descriptors before they are marked close-on-exec.
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	pf := os.NewFile(uintptr(fds[0]), "gopar-engine-parent")
	pc, err := net.FileConn(pf) // a duplicate, close-on-exec
	pf.Close()
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	return pc, os.NewFile(uintptr(fds[1]), "gopar-engine-child"), nil
}

// childConnFD is the child's descriptor of the protocol connection.
const childConnFD = 3

// childConn returns the child's end of the protocol connection, from file
// descriptor 3, as a close-on-exec net.Conn, so that processes started by
// cells do not inherit it (and the parent sees end of file when the child
// dies).
func childConn() (net.Conn, error) {
	f := os.NewFile(childConnFD, "gopar-engine-conn")
	if f == nil {
		return nil, fmt.Errorf("file descriptor %d is not open", childConnFD)
	}
	c, err := net.FileConn(f)
	f.Close()
	return c, err
}

// sysProcAttr puts the child in a session and process group of its own (so
// that the SIGINT Jupyter sends to the kernel's group does not reach it,
// and one kill ends it and what it started, see killTree) and, on Linux,
// has it killed when the kernel dies.
func sysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setsid: true}
	setPdeathsig(a)
	return a
}

// killGroup sends SIGKILL to the process group pgid.
func killGroup(pgid int) error {
	if pgid <= 0 {
		return nil
	}
	return syscall.Kill(-pgid, syscall.SIGKILL)
}

// killTree ends a child that has exited and what it started: its process
// group, and on Linux every process of its session, which holds the
// processes that cells started in process groups of their own (so that an
// interrupt can end them, group by group) unless they left the session.
func killTree(pid int) {
	killGroup(pid)
	killSession(pid)
}

// exitText describes how a process ended: "exited with status 2" or
// "killed by signal 9".
func exitText(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("killed by signal %d", int(ws.Signal()))
	}
	return fmt.Sprintf("exited with status %d", ps.ExitCode())
}
