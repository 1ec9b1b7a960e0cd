package kernel

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/kernel/kerneltest"
)

// The tests in this file run the kernel as a process of its own,
// testdata/echokernel, as Jupyter does: what they check (memory, a real
// client's signatures) belongs to a process. TestWatchParentShutsDown is
// the exception: it runs in this process what the kernel does once its
// parent is gone; e2e's TestOrphanedKernelExits kills the real frontend of
// a real kernel.

// binDir holds the echokernel binary, built on first use.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildEchokernel builds testdata/echokernel once.
var buildEchokernel = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gopar-kernel-test-")
	if err != nil {
		return "", err
	}
	binDir = dir
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "echokernel")
	out, err := exec.Command(gocmd, "build", "-o", bin, "./testdata/echokernel").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./testdata/echokernel: %v\n%s", err, out)
	}
	return bin, nil
})

func echokernel(t *testing.T) string {
	t.Helper()
	bin, err := buildEchokernel()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// writeConnectionFile writes a connection file for a kernel on free TCP
// ports of 127.0.0.1.
func writeConnectionFile(t *testing.T, key, scheme string) (*connectionInfo, string) {
	t.Helper()
	p := freePorts(t, 5)
	ci := &connectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: key, SignatureScheme: cmp.Or(scheme, defaultScheme),
		ShellPort: p[0], ControlPort: p[1], StdinPort: p[2], HBPort: p[3], IOPubPort: p[4]}
	data, _ := json.Marshal(ci)
	path := filepath.Join(t.TempDir(), "kernel.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return ci, path
}

// startEchokernel runs echokernel on a new connection file and returns
// the process and its log.
func startEchokernel(t *testing.T, key string) (*exec.Cmd, *connectionInfo, *syncBuffer) {
	t.Helper()
	ci, path := writeConnectionFile(t, key, "")
	logBuf := &syncBuffer{}
	cmd := exec.Command(echokernel(t), path)
	cmd.Stderr = logBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("kernel log:\n%s", logBuf.String())
		}
	})
	return cmd, ci, logBuf
}

// dialKernel connects a client to the kernel of ci.
func dialKernel(t *testing.T, ci *connectionInfo, log *syncBuffer) *client {
	t.Helper()
	return startClient(t, &client{conn: ci, log: log})
}

// rssBytes is the resident set size of process pid, from /proc.
func rssBytes(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
}

// amplification is what the memory amplification attack sends on one
// connection: a greeting, a READY command, and the header of a 500 MB
// frame, whose body never comes. No key is needed.
func amplification() []byte {
	b := zmtpGreeting()
	ready := []byte("\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER")
	b = append(b, 0x04, byte(len(ready)))
	b = append(b, ready...)
	hdr := make([]byte, 9)
	hdr[0] = flagLong
	binary.BigEndian.PutUint64(hdr[1:], 500<<20)
	return append(b, hdr...)
}

// TestAnnouncedFramesDoNotGrowMemory runs the memory amplification attack
// against a kernel process, round after round: 16 connections that each
// announce a 500 MB frame. zmq4 would allocate each frame before reading
// it; the kernel's memory must follow the bytes the peers sent instead.
func TestAnnouncedFramesDoNotGrowMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the kernel's memory from /proc")
	}
	const (
		rounds = 4
		conns  = 16
		bound  = 64 << 20 // growth allowed over the baseline
		near   = 16 << 20 // what may stay once the attack is over
		// window is how long each round watches the memory: zmq4's
		// readers allocate right after the handshakes, which a client's
		// round trip on a new connection waits for.
		window = 500 * time.Millisecond
	)
	cmd, ci, logBuf := startEchokernel(t, testKey)
	c := dialKernel(t, ci, logBuf)
	pid := cmd.Process.Pid
	base, err := rssBytes(pid)
	if err != nil {
		t.Fatal(err)
	}

	// Watch the kernel's memory, and kill it past the bound: the attack
	// must not take the machine's memory when it works.
	var (
		mu   sync.Mutex
		peak = base
	)
	stop, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			rss, err := rssBytes(pid)
			if err != nil {
				return
			}
			mu.Lock()
			peak = max(peak, rss)
			mu.Unlock()
			if rss > base+bound {
				cmd.Process.Kill()
				return
			}
		}
	}()
	peakNow := func() int64 { mu.Lock(); defer mu.Unlock(); return peak }
	addr := strings.TrimPrefix(ci.endpoint(ci.ShellPort), "tcp://")
	for round := range rounds {
		var open []net.Conn
		for range conns {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			conn.Write(amplification())
			open = append(open, conn)
		}
		// A new connection's handshake comes after the attackers'.
		err := handshake(addr)
		select {
		case <-watched:
		case <-time.After(window):
		}
		for _, conn := range open {
			conn.Close()
		}
		if p := peakNow(); p > base+bound {
			t.Fatalf("round %d: the kernel's memory grew from %d MB to %d MB (the bound is +%d MB); killed it",
				round, base>>20, p>>20, bound>>20)
		}
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	// The kernel still serves, and its memory is back near where it was.
	c.reply(c.shellBox, c.send(c.shell, "kernel_info_request", map[string]any{}))
	close(stop)
	<-watched
	end, err := rssBytes(pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rounds of %d connections announcing 500 MB: RSS %d MB before, peak %d MB, %d MB after",
		rounds, conns, base>>20, peakNow()>>20, end>>20)
	if end > base+near {
		t.Errorf("the kernel's memory went from %d MB to %d MB and stayed", base>>20, end>>20)
	}
}

// handshake connects to addr as a DEALER and waits for the kernel's
// greeting and READY command.
func handshake(addr string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	ready := []byte("\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER")
	conn.Write(append(append(zmtpGreeting(), 0x04, byte(len(ready))), ready...))
	conn.SetReadDeadline(time.Now().Add(failAfter))
	got := make([]byte, greetingLen+2)
	if _, err := io.ReadFull(conn, got); err != nil {
		return fmt.Errorf("no handshake from the kernel: %v", err)
	}
	return nil
}

// TestWatchParentShutsDown checks what the kernel does once the process
// that started it is gone (when that is, TestParentWatch checks): it says
// so in its log and stops as after a shutdown_request. e2e's
// TestOrphanedKernelExits kills the real frontend of a real kernel.
func TestWatchParentShutsDown(t *testing.T) {
	_, path := writeConnectionFile(t, testKey, "")
	var logBuf syncBuffer
	k, err := newKernel(Config{ConnectionFile: path, Engine: &kerneltest.Engine{}, Log: &logBuf})
	if err != nil {
		t.Fatal(err)
	}
	defer k.cancelSockets()
	// The kernel's parent is not the process it started under: that one
	// is gone, and another adopted the kernel.
	gone := os.Getppid() + 1
	k.parent = parentWatch{parent: gone, original: gone}
	go k.watchParent()
	select {
	case <-k.stop:
	case <-time.After(failAfter):
		t.Fatalf("the kernel did not stop within %v of losing its parent; its log:\n%s", failAfter, logBuf.String())
	}
	if want := fmt.Sprintf("parent process %d is gone: shutting down", gone); !strings.Contains(logBuf.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logBuf.String())
	}
}

// requireJupyterClient skips the test if python cannot import
// jupyter_client, or fails it under GOPAR_E2E=1, as package e2e does.
func requireJupyterClient(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import jupyter_client").CombinedOutput(); err != nil {
		msg := fmt.Sprintf("%s cannot import jupyter_client (apt-get install -y jupyter-client): %v %s", python, err, out)
		if os.Getenv("GOPAR_E2E") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// TestSignatureSchemesWithJupyterClient has jupyter_client talk to the
// kernel with each hash it may name in signature_scheme: both sides sign
// and check every message.
func TestSignatureSchemesWithJupyterClient(t *testing.T) {
	requireJupyterClient(t)
	bin := echokernel(t)
	for _, scheme := range []string{"hmac-sha256", "hmac-sha1", "hmac-sha384", "hmac-sha512", "hmac-md5", "hmac-sha224", "hmac-sha3_256"} {
		t.Run(scheme, func(t *testing.T) {
			_, path := writeConnectionFile(t, testKey, scheme)
			var logBuf syncBuffer
			cmd := exec.Command(bin, path)
			cmd.Stderr = &logBuf
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The client gives up when the kernel exits.
			ctx, cancel := context.WithCancel(context.Background())
			exited := make(chan struct{})
			go func() { cmd.Wait(); cancel(); close(exited) }()
			defer func() { cmd.Process.Kill(); <-exited }()
			out, err := exec.CommandContext(ctx, python, "testdata/signedexchange.py", path).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "ok 42") {
				t.Errorf("jupyter_client with %s: %v\n%s\nkernel log:\n%s", scheme, err, out, logBuf.String())
			}
		})
	}
}
