//go:build unix && !linux

package proc

// killSession does nothing outside Linux, which has no /proc to find a
// session's processes in: processes that cells started in process groups
// of their own may outlive the child.
func killSession(int) {}
