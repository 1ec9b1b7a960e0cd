//go:build unix

package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// What the browser tests share: a Jupyter server (the classic Notebook's,
// or JupyterLab's serve_lab.py) started for the test, the environment and
// artifacts of a headless Chromium, the Python script that drives it, and
// the check that the server took its kernels with it when it stopped.

// notebookServer is a Jupyter server started for a test: the classic
// Notebook's or JupyterLab's (jupyter_server).
type notebookServer struct {
	name  string // "the Notebook server", for messages
	base  string // http://127.0.0.1:PORT
	token string
	cmd   *exec.Cmd
	done  chan struct{} // closed when the process has exited
	log   *syncBuffer   // the server's output
	once  sync.Once     // for stop
}

// syncBuffer is a strings.Builder safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startJupyterServer runs python with the arguments args returns for a free
// port of 127.0.0.1 and a random token, in env, and returns once the server
// says it is running and knows the gopar kernel. name says which server it
// is in messages. The server is shut down when the test ends: SIGTERM,
// which makes it shut its kernels down, then SIGKILL to its process group
// if it lingers.
func startJupyterServer(t *testing.T, name string, env []string, args func(port int, token string) []string) *notebookServer {
	t.Helper()
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		t.Fatal(err)
	}
	s := &notebookServer{name: name, token: hex.EncodeToString(tok), done: make(chan struct{}), log: new(syncBuffer)}
	port := freePort(t)
	s.base = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.cmd = exec.Command(python, args(port, s.token)...)
	s.cmd.Env = env
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		s.cmd.Wait()
		pw.Close()
		close(s.done)
	}()

	// The server prints "... is running at:" once it listens.
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		said := false
		for sc.Scan() {
			line := sc.Text()
			s.log.Write([]byte(strings.ReplaceAll(line, s.token, "TOKEN") + "\n"))
			if !said && strings.Contains(line, "is running at") {
				said = true
				close(ready)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() { s.stop(t) })

	select {
	case <-ready:
	case <-s.done:
		t.Fatalf("%s exited at start:\n%s", name, s.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start within 60s:\n%s", name, s.log)
	}
	req, _ := http.NewRequest("GET", s.base+"/api/kernelspecs", nil)
	req.Header.Set("Authorization", "token "+s.token)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s does not answer: %v\n%s", name, err, s.log)
	}
	defer resp.Body.Close()
	var specs struct {
		Kernelspecs map[string]json.RawMessage `json:"kernelspecs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&specs); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/kernelspecs: %s, %v", resp.Status, err)
	}
	if _, ok := specs.Kernelspecs["gopar"]; !ok {
		t.Fatalf("%s does not know the gopar kernel; it has %v", name, keys(specs.Kernelspecs))
	}
	return s
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// stop shuts the server down.
func (s *notebookServer) stop(t *testing.T) {
	t.Helper()
	s.once.Do(func() {
		pid := s.cmd.Process.Pid
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			t.Errorf("%s did not stop within 20s of SIGTERM: killing its process group", s.name)
			syscall.Kill(-pid, syscall.SIGKILL)
			<-s.done
		}
	})
}

// stopWithKernels stops the server and checks that it took its kernels,
// processes of kernelBin (if not empty), with it: any left are killed.
func (s *notebookServer) stopWithKernels(t *testing.T, kernelBin string) {
	t.Helper()
	s.stop(t)
	if kernelBin == "" {
		return
	}
	if pids := kernelPIDs(kernelBin); len(pids) > 0 {
		t.Errorf("gopar kernels %v still running after %s stopped", pids, s.name)
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// saveLog writes the server's log to path, and to the test's log if the
// test failed: deferred by the test.
func (s *notebookServer) saveLog(t *testing.T, path string) {
	os.WriteFile(path, []byte(s.log.String()), 0o644)
	if t.Failed() {
		t.Logf("%s's log:\n%s", s.name, s.log)
	}
}

// kernelPIDs returns the running processes whose program is bin.
func kernelPIDs(bin string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if argv0, _, _ := strings.Cut(string(b), "\x00"); argv0 == bin {
			if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && zombieRE.Match(st) {
				continue
			}
			pids = append(pids, pid)
		}
	}
	return pids
}

// zombieRE matches /proc/PID/stat of a zombie.
var zombieRE = regexp.MustCompile(`^\d+ \(.*\) Z `)

// browserEnv returns jupyterEnv's environment with HOME, where Chromium
// and the server keep their state, in a temporary directory (out of the
// user's), and the path of the kernel binary it installed.
func browserEnv(t *testing.T) (env []string, kernelBin string) {
	t.Helper()
	env = jupyterEnv(t)
	home := t.TempDir()
	env = append(env, "HOME="+home, "IPYTHONDIR="+filepath.Join(home, ".ipython"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "JUPYTER_PATH="); ok {
			kernelBin = filepath.Join(v, "kernels", "gopar", "gopar")
		}
	}
	return env, kernelBin
}

// artifactsDir returns the absolute path of the directory for screenshots
// and logs: $GOPAR_ARTIFACTS, made if need be, or a temporary directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GOPAR_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	dir, _ = filepath.Abs(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runDriver runs python with argv (a script that drives headless Chromium,
// and its arguments) in env, for at most limit, and decodes into res the
// JSON of the last line of its output that starts with prefix; with none,
// it fails the test. what names the run in messages. It returns the
// script's stderr and its error.
func runDriver(t *testing.T, env []string, limit time.Duration, what, prefix string, res any, argv ...string) (stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, argv...)
	cmd.Env = env
	// The driver, chromedriver and Chromium share a process group, killed
	// whole on a timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var o, e syncBuffer
	cmd.Stdout, cmd.Stderr = &o, &e
	runErr := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // leftovers, if any
	}
	report, found := "", false
	for _, line := range strings.Split(o.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			report, found = rest, true
		}
	}
	if !found {
		t.Fatalf("%s reported nothing (%v):\n%s\n%s", what, runErr, o.String(), e.String())
	}
	if err := json.Unmarshal([]byte(report), res); err != nil {
		t.Fatalf("bad output from %s %q: %v", what, report, err)
	}
	return e.String(), runErr
}
