//go:build linux || darwin

package prebind

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// listen opens a listening socket with system calls (the net package is not
// initialised yet when this runs).
func listen(transport, ip string, port int) (*os.File, error) {
	var (
		domain int
		sa     syscall.Sockaddr
		name   string
	)
	switch transport {
	case "tcp":
		addr, ok := parseIPv4(ip)
		if !ok {
			// Host names and IPv6 are left to the kernel.
			return nil, errors.New("not a literal IPv4 address")
		}
		domain, sa = syscall.AF_INET, &syscall.SockaddrInet4{Port: port, Addr: addr}
		name = fmt.Sprintf("tcp:%s:%d", ip, port)
	case "ipc":
		path := fmt.Sprintf("%s-%d", ip, port)
		domain, sa = syscall.AF_UNIX, &syscall.SockaddrUnix{Name: path}
		name = "ipc:" + path
	default:
		return nil, errors.New("unknown transport")
	}
	fd, err := syscall.Socket(domain, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(fd)
	fail := func(err error) (*os.File, error) {
		syscall.Close(fd)
		return nil, err
	}
	if domain != syscall.AF_UNIX {
		// As the net package does: a restarted kernel can take its ports
		// back while old connections linger in TIME_WAIT.
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
			return fail(err)
		}
	}
	if err := syscall.Bind(fd, sa); err != nil {
		return fail(err)
	}
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		return fail(err)
	}
	return os.NewFile(uintptr(fd), name), nil
}
