//go:build linux || darwin

package prebind

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// freePorts returns n free TCP ports on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func writeConnectionFile(t *testing.T, transport, ip string, ports []int) string {
	data, _ := json.Marshal(map[string]any{
		"transport": transport, "ip": ip, "key": "k", "signature_scheme": "hmac-sha256",
		"shell_port": ports[0], "iopub_port": ports[1], "stdin_port": ports[2],
		"control_port": ports[3], "hb_port": ports[4],
	})
	path := filepath.Join(t.TempDir(), "kernel-1.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBindFromArgs checks that a `gopar kernel` command line binds the
// five ports, that connections made before Take wait in the backlog, and
// that each socket is handed out once.
func TestBindFromArgs(t *testing.T) {
	defer CloseAll()
	dir := t.TempDir()
	for _, tc := range []struct {
		transport, ip string
		ports         []int
		network       string
		addr          func(port int) string
	}{
		{"tcp", "127.0.0.1", freePorts(t, 5), "tcp", func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }},
		{"ipc", filepath.Join(dir, "k"), []int{1, 2, 3, 4, 5}, "unix", func(p int) string { return fmt.Sprintf("%s-%d", filepath.Join(dir, "k"), p) }},
	} {
		path := writeConnectionFile(t, tc.transport, tc.ip, tc.ports)
		bindFromArgs([]string{"gopar", "kernel", "--connection-file", path})
		for _, port := range tc.ports {
			early, err := net.Dial(tc.network, tc.addr(port))
			if err != nil {
				t.Fatalf("%s port %d: not listening after bindFromArgs: %v", tc.transport, port, err)
			}
			defer early.Close()
			f := Take(tc.transport, tc.ip, port)
			if f == nil {
				t.Fatalf("%s port %d: Take = nil", tc.transport, port)
			}
			if Take(tc.transport, tc.ip, port) != nil {
				t.Errorf("%s port %d: a second Take returned a socket", tc.transport, port)
			}
			l, err := net.FileListener(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			conn, err := l.Accept()
			if err != nil {
				t.Fatalf("%s port %d: accepting the early connection: %v", tc.transport, port, err)
			}
			early.Write([]byte("hi"))
			buf := make([]byte, 2)
			if _, err := conn.Read(buf); err != nil || string(buf) != "hi" {
				t.Errorf("%s port %d: read %q, %v", tc.transport, port, buf, err)
			}
			conn.Close()
			l.Close()
		}
	}
}

func TestBindFromArgsLeavesOtherCommandsAlone(t *testing.T) {
	defer CloseAll()
	ports := freePorts(t, 5)
	path := writeConnectionFile(t, "tcp", "127.0.0.1", ports)
	for _, args := range [][]string{
		{"gopar", "run", "--connection-file", path},
		{"gopar", "version"},
		{"gopar"},
	} {
		bindFromArgs(args)
		if f := Take("tcp", "127.0.0.1", ports[0]); f != nil {
			f.Close()
			t.Errorf("%q bound the shell port", args)
		}
	}
	// Ports it cannot have (here: taken) are left to the kernel, which
	// reports them; the others are bound.
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	bindFromArgs([]string{"gopar", "kernel", "-f", path})
	if f := Take("tcp", "127.0.0.1", ports[0]); f != nil {
		t.Error("a port in use was bound")
	}
	f := Take("tcp", "127.0.0.1", ports[1])
	if f == nil {
		t.Fatal("the free ports were not bound")
	}
	f.Close()
}
