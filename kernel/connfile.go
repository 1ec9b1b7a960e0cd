package kernel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// connectionInfo is the content of a Jupyter connection file.
type connectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	HBPort          int    `json:"hb_port"`
	IOPubPort       int    `json:"iopub_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name"`
}

// loadConnectionFile reads and checks a connection file. Its errors are one
// line that names the file and what is wrong with it.
func loadConnectionFile(path string) (*connectionInfo, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("connection file %s: %s", path, fmt.Sprintf(format, args...))
	}
	if path == "" {
		return nil, errors.New("connection file: no path given")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fail("does not exist")
		case errors.Is(err, fs.ErrPermission):
			return nil, fail("permission denied")
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fail("%v", pe.Err)
		}
		return nil, fail("%v", err)
	}
	var ci connectionInfo
	if err := json.Unmarshal(data, &ci); err != nil {
		return nil, fail("not valid JSON: %s", oneLine(err.Error()))
	}
	if ci.Transport == "" {
		ci.Transport = "tcp"
	}
	if ci.Transport != "tcp" && ci.Transport != "ipc" {
		return nil, fail("transport %q is not supported (want tcp or ipc)", ci.Transport)
	}
	if ci.IP == "" {
		return nil, fail("ip is empty")
	}
	if ci.SignatureScheme == "" {
		ci.SignatureScheme = defaultScheme
	}
	if signatureSchemes[ci.SignatureScheme] == nil {
		return nil, fail("signature_scheme %q is not supported (gopar supports %s)", clip(ci.SignatureScheme), schemeNames())
	}
	seen := map[int]string{}
	for _, p := range ci.ports() {
		switch {
		case p.port == 0:
			return nil, fail("%s is 0 (missing?); the client must choose the ports", p.name)
		case p.port < 0 || p.port > 65535:
			return nil, fail("%s %d is out of range", p.name, p.port)
		}
		if other, dup := seen[p.port]; dup {
			return nil, fail("%s and %s are both %d", other, p.name, p.port)
		}
		seen[p.port] = p.name
	}
	return &ci, nil
}

type namedPort struct {
	name string
	port int
}

func (ci *connectionInfo) ports() []namedPort {
	return []namedPort{
		{"shell_port", ci.ShellPort},
		{"control_port", ci.ControlPort},
		{"stdin_port", ci.StdinPort},
		{"hb_port", ci.HBPort},
		{"iopub_port", ci.IOPubPort},
	}
}

// endpoint is the ZeroMQ address of one port, as jupyter_client builds it.
func (ci *connectionInfo) endpoint(port int) string {
	if ci.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", ci.IP, port)
	}
	ip := ci.IP
	if strings.Contains(ip, ":") && !strings.HasPrefix(ip, "[") {
		ip = "[" + ip + "]"
	}
	return fmt.Sprintf("tcp://%s:%d", ip, port)
}

// bindEndpoint is endpoint with the kernel's guarded transport (zmtp.go).
func (ci *connectionInfo) bindEndpoint(port int) string {
	ep := ci.endpoint(port)
	if ci.Transport == "ipc" {
		return guardedIPC + strings.TrimPrefix(ep, "ipc")
	}
	return guardedTCP + strings.TrimPrefix(ep, "tcp")
}

// oneLine squashes newlines so that an error stays on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
