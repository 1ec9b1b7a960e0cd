// Package prebind opens the listening sockets of `gopar kernel` while the
// program is still initialising its packages.
//
// A Jupyter client connects to the kernel's ports a few milliseconds after
// it starts the process. The gopar binary spends 5-12 ms initialising its
// packages (yaegi's standard-library tables, gonum/plot, goldmark...; see
// GODEBUG=inittrace=1) before main runs, so without this package the first
// connection attempts are refused and libzmq retries only after its
// reconnect interval (100-200 ms). Binding here, in an init function that
// depends on nothing but the lowest layers of the standard library, makes
// the ports accept connections within about two milliseconds of exec; the
// kernel picks the sockets up with Take once main runs.
//
// Go initialises packages in dependency order, choosing among the ready
// ones by import path (the Go 1.21 specification), so this package runs
// before the heavy ones only while it imports nothing heavy: in particular
// not net, whose dependencies come late. The test of the root package
// checks that order in the built binary.
package prebind

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

var (
	mu    sync.Mutex
	bound = map[string]*os.File{}
)

func init() {
	bindFromArgs(os.Args)
}

// bindFromArgs binds the ports of the connection file named by a
// `gopar kernel` command line. Any problem leaves the binding to the kernel,
// which reports it properly.
func bindFromArgs(args []string) {
	if len(args) < 2 || args[1] != "kernel" {
		return
	}
	path := connectionFile(args[2:])
	if path == "" {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var ci struct {
		Transport string `json:"transport"`
		IP        string `json:"ip"`
		Shell     int    `json:"shell_port"`
		IOPub     int    `json:"iopub_port"`
		Stdin     int    `json:"stdin_port"`
		Control   int    `json:"control_port"`
		HB        int    `json:"hb_port"`
	}
	if json.Unmarshal(data, &ci) != nil {
		return
	}
	if ci.Transport == "" {
		ci.Transport = "tcp"
	}
	for _, port := range []int{ci.Shell, ci.IOPub, ci.Stdin, ci.Control, ci.HB} {
		if port <= 0 || port > 65535 {
			continue
		}
		f, err := listen(ci.Transport, ci.IP, port)
		if err != nil {
			continue
		}
		mu.Lock()
		bound[key(ci.Transport, ci.IP, port)] = f
		mu.Unlock()
	}
}

// connectionFile finds the value of --connection-file (or -f) the way the
// flag package of `gopar kernel` reads it: either dash form, "=value" or the
// next argument, the last one winning, nothing after "--".
func connectionFile(args []string) string {
	path := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name != "connection-file" && name != "f" {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				break
			}
			i++
			value = args[i]
		}
		path = value
	}
	return path
}

func key(transport, ip string, port int) string {
	return fmt.Sprintf("%s %s %d", transport, ip, port)
}

// Take returns the listening socket bound at start-up for the port of a
// connection file (transport "tcp" or "ipc", its ip, the port), or nil.
// Each socket is returned once; the caller owns it.
func Take(transport, ip string, port int) *os.File {
	mu.Lock()
	defer mu.Unlock()
	k := key(transport, ip, port)
	f := bound[k]
	delete(bound, k)
	return f
}

// CloseAll closes the sockets nobody took.
func CloseAll() {
	mu.Lock()
	defer mu.Unlock()
	for k, f := range bound {
		f.Close()
		delete(bound, k)
	}
}

// parseIPv4 parses a dotted-quad IPv4 address; "*" is ZeroMQ's any address.
// (net/netip would do, but it is initialised too late.)
func parseIPv4(s string) (addr [4]byte, ok bool) {
	if s == "*" {
		return addr, true
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return addr, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 || p == "" || (len(p) > 1 && p[0] == '0') || p[0] == '+' {
			return addr, false
		}
		addr[i] = byte(n)
	}
	return addr, true
}
