//go:build unix

package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
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

// notebookServer is a classic Jupyter Notebook server started for a test.
type notebookServer struct {
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

// startNotebookServer starts the classic Notebook server (version 6) on
// 127.0.0.1 with a random token, serving dir, in env, and returns once it
// says it is running. The server is shut down when the test ends: SIGTERM,
// which makes it shut its kernels down, then SIGKILL to its process group if
// it lingers.
func startNotebookServer(t *testing.T, env []string, dir, version string) *notebookServer {
	t.Helper()
	major, _, _ := strings.Cut(version, ".")
	var tokenFlag string
	switch major {
	case "6":
		tokenFlag = "--NotebookApp.token="
	default:
		// Notebook 7 is JupyterLab-based: its UI is not what
		// browser_run_all.py drives.
		t.Fatalf("the Notebook server is version %s; this test drives the classic Notebook 6 (Debian bookworm's jupyter-notebook)", version)
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		t.Fatal(err)
	}
	s := &notebookServer{token: hex.EncodeToString(tok), done: make(chan struct{}), log: new(syncBuffer)}
	port := freePort(t)
	s.base = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.cmd = exec.Command(python, "-m", "notebook",
		"--no-browser", "--allow-root", "--ip=127.0.0.1", "--port="+strconv.Itoa(port), "--port-retries=0",
		tokenFlag+s.token, "--notebook-dir="+dir, "--NotebookApp.open_browser=False")
	s.cmd.Env = env
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting the Notebook server: %v", err)
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
		t.Fatalf("the Notebook server exited at start:\n%s", s.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("the Notebook server did not start within 60s:\n%s", s.log)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(s.base + "/api/kernelspecs?token=" + s.token)
	if err != nil {
		t.Fatalf("the Notebook server does not answer: %v\n%s", err, s.log)
	}
	defer resp.Body.Close()
	var specs struct {
		Kernelspecs map[string]json.RawMessage `json:"kernelspecs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&specs); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/kernelspecs: %s, %v", resp.Status, err)
	}
	if _, ok := specs.Kernelspecs["gopar"]; !ok {
		t.Fatalf("the Notebook server does not know the gopar kernel; it has %v", keys(specs.Kernelspecs))
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

// stop shuts the server down and checks that it took its kernels with it.
func (s *notebookServer) stop(t *testing.T) {
	t.Helper()
	s.once.Do(func() {
		pid := s.cmd.Process.Pid
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			t.Errorf("the Notebook server did not stop within 20s of SIGTERM: killing its process group")
			syscall.Kill(-pid, syscall.SIGKILL)
			<-s.done
		}
	})
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

// browserResult is the line testdata/browser_run_all.py prints.
type browserResult struct {
	OK     bool               `json:"ok"`
	Error  string             `json:"error"`
	Steps  map[string]float64 `json:"steps"`
	Images []struct {
		Src           string  `json:"src"`
		Alt           string  `json:"alt"`
		Complete      bool    `json:"complete"`
		NaturalWidth  int     `json:"naturalWidth"`
		NaturalHeight int     `json:"naturalHeight"`
		Width         float64 `json:"width"`
		Height        float64 `json:"height"`
	} `json:"images"`
	InlineSVGs      int      `json:"inlineSvgs"`
	Errors          []string `json:"errors"`
	Tables          []string `json:"tables"`
	Outputs         []string `json:"outputs"`
	Prompts         []string `json:"prompts"`
	KernelName      string   `json:"kernelName"`
	Screenshot      string   `json:"screenshot"`
	ScreenshotError string   `json:"screenshotError"`
}

// TestBrowserRunAll opens testdata/plots.ipynb in the classic Notebook with
// the gopar kernel, in headless Chromium, runs all cells from the menu, and
// checks that the plots show as images the browser decoded, that the table
// and the finished progress bar are there, and that no cell shows an error.
// A screenshot of the page is saved in $GOPAR_ARTIFACTS (default: a
// temporary directory) and its path logged.
func TestBrowserRunAll(t *testing.T) {
	start := time.Now()
	requireTools(t, jupyterClient, classicNotebook, selenium, chromium, chromedriver)
	version, _ := classicNotebook.check()
	env := jupyterEnv(t)
	home := t.TempDir()
	// Chromium and the server keep their state under HOME: keep it out of
	// the user's.
	env = append(env, "HOME="+home, "IPYTHONDIR="+filepath.Join(home, ".ipython"), "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	kernelBin := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "JUPYTER_PATH="); ok {
			kernelBin = filepath.Join(v, "kernels", "gopar", "gopar")
		}
	}

	artifacts := os.Getenv("GOPAR_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot, _ := filepath.Abs(filepath.Join(artifacts, "browser-plots.png"))
	os.Remove(shot)

	nbDir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "plots.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nbDir, "plots.ipynb"), src, 0o644); err != nil {
		t.Fatal(err)
	}

	srv := startNotebookServer(t, env, nbDir, version)
	t.Logf("Notebook server up after %v", time.Since(start).Round(time.Millisecond))
	defer func() {
		if t.Failed() {
			t.Logf("Notebook server log:\n%s", srv.log)
		}
		os.WriteFile(filepath.Join(artifacts, "browser-notebook-server.log"), []byte(srv.log.String()), 0o644)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 105*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "browser_run_all.py"), srv.base, srv.token, "plots.ipynb", shot)
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
	var res *browserResult
	for _, line := range strings.Split(o.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "GOPAR-BROWSER "); ok {
			res = new(browserResult)
			if err := json.Unmarshal([]byte(rest), res); err != nil {
				t.Fatalf("bad output from browser_run_all.py %q: %v", rest, err)
			}
		}
	}
	if res == nil {
		t.Fatalf("browser_run_all.py reported nothing (%v):\n%s\n%s", runErr, o.String(), e.String())
	}
	t.Logf("screenshot: %s", shot)
	t.Logf("browser steps (seconds since the driver started): %v", res.Steps)
	if !res.OK || runErr != nil {
		t.Fatalf("browser run failed (%v): %s\n%s", runErr, res.Error, e.String())
	}

	// Every code cell ran.
	if len(res.Prompts) != 4 {
		t.Errorf("%d code cells ran, want 4: prompts %q", len(res.Prompts), res.Prompts)
	}
	for _, p := range res.Prompts {
		if _, err := strconv.Atoi(p); err != nil {
			t.Errorf("a cell's prompt is %q after Run All: prompts %q", p, res.Prompts)
		}
	}
	if res.KernelName != "gopar" {
		t.Errorf("the page's kernel is %q, want gopar", res.KernelName)
	}
	// The plots are images the browser decoded.
	plots := 0
	for _, img := range res.Images {
		t.Logf("image %q: %s… %dx%d shown at %gx%g", img.Alt, img.Src, img.NaturalWidth, img.NaturalHeight, img.Width, img.Height)
		if !strings.HasPrefix(img.Src, "data:image/png") && !strings.HasPrefix(img.Src, "data:image/svg+xml") {
			continue
		}
		if !img.Complete || img.NaturalWidth == 0 || img.NaturalHeight == 0 {
			t.Errorf("image %q did not decode in the browser", img.Alt)
			continue
		}
		// A plot is a PNG drawn at twice the size it is shown at.
		if strings.HasPrefix(img.Src, "data:image/png") && img.NaturalWidth == 2*int(img.Width) && img.NaturalHeight == 2*int(img.Height) {
			plots++
		}
	}
	if plots < 2 {
		t.Errorf("%d decoded plot images on the page, want 2 (Squares, Speed-up)", plots)
	}
	// The table, the finished progress bar, no error.
	all := strings.Join(res.Outputs, "\n")
	if len(res.Tables) == 0 || !strings.Contains(res.Tables[0], "n squared") {
		t.Errorf("no table with \"n squared\" on the page: %q", res.Tables)
	}
	for _, want := range []string{"slow series", "100%", "10/10", "sum of 10 slow series: "} {
		if !strings.Contains(all, want) {
			t.Errorf("the outputs lack %q:\n%s", want, all)
		}
	}
	if len(res.Errors) > 0 {
		t.Errorf("error output on the page: %q", res.Errors)
	}

	checkScreenshot(t, shot, res.ScreenshotError)

	// The server stops its kernel when it stops.
	srv.stop(t)
	if kernelBin != "" {
		if pids := kernelPIDs(kernelBin); len(pids) > 0 {
			t.Errorf("gopar kernels %v still running after the Notebook server stopped", pids)
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	t.Logf("browser test took %v", time.Since(start).Round(time.Millisecond))
}

// checkScreenshot fails the test unless path is a PNG screenshot of a
// notebook page: at least 1280×800 and not blank.
func checkScreenshot(t *testing.T, path, shotErr string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Errorf("no screenshot: %v %s", err, shotErr)
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("screenshot %s: %v", path, err)
		return
	}
	b := img.Bounds()
	if b.Dx() < 1280 || b.Dy() < 800 {
		t.Errorf("screenshot is %dx%d, want at least 1280x800", b.Dx(), b.Dy())
	}
	if n := distinctColors(img, 64); n < 16 {
		t.Errorf("screenshot has %d distinct colours: blank?", n)
	}
}

// distinctColors counts distinct colours among a grid of samples of img,
// stopping at max.
func distinctColors(img image.Image, max int) int {
	b := img.Bounds()
	seen := map[[4]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= max {
				return len(seen)
			}
		}
	}
	return len(seen)
}
