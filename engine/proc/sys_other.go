//go:build !unix

package proc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
)

var errUnsupported = errors.New("engine processes are supported on Unix only, not on " + runtime.GOOS)

func socketPair() (net.Conn, *os.File, error) { return nil, nil, errUnsupported }

func childConn() (net.Conn, error) { return nil, errUnsupported }

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(int) error { return nil }

func killTree(int) {}

func exitText(ps *os.ProcessState) string {
	return fmt.Sprintf("exited with status %d", ps.ExitCode())
}
