package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/interp"
	"github.com/gopar/gopar/nbrun"
)

// python is Debian's interpreter, which has the Jupyter packages the tests
// drive gopar with.
const python = "/usr/bin/python3"

// debianPackages are what the end-to-end tests need.
const debianPackages = "python3-jupyter-kernel-test jupyter-client jupyter-nbconvert python3-nbclient python3-nbformat python3-ipykernel jupyter-console jupyter-notebook chromium chromium-driver python3-selenium fonts-liberation"

// goparBin is the gopar binary built once for the tests.
var goparBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gopar-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goparBin = filepath.Join(dir, "gopar")
	if runtime.GOOS == "windows" {
		goparBin += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", goparBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// gopar runs the built binary and returns its stdout, stderr and exit code.
func gopar(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goparBin, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return o.String(), e.String(), ee.ExitCode()
		}
		t.Fatalf("gopar %v: %v", args, err)
	}
	return o.String(), e.String(), 0
}

// requirePython fails the test, naming the Debian packages to install,
// when Debian's python3 cannot import the modules.
func requirePython(t *testing.T, modules ...string) {
	t.Helper()
	code := "import " + strings.Join(modules, ", ")
	if out, err := exec.Command(python, "-c", code).CombinedOutput(); err != nil {
		t.Fatalf("%s cannot %q (%v):\n%s\ninstall the Debian packages: apt-get install -y %s", python, code, err, out, debianPackages)
	}
}

// jupyterEnv installs the kernelspec "gopar" into a temporary prefix and
// returns an environment in which Jupyter finds it, with Jupyter's own
// directories in temporary places.
func jupyterEnv(t *testing.T) []string {
	t.Helper()
	prefix := t.TempDir()
	if out, errOut, code := gopar(t, os.Environ(), "install", "--prefix", prefix); code != 0 {
		t.Fatalf("gopar install: exit %d\n%s%s", code, out, errOut)
	}
	tmp := t.TempDir()
	env := append(os.Environ(),
		"JUPYTER_PATH="+filepath.Join(prefix, "share", "jupyter"),
		"JUPYTER_DATA_DIR="+filepath.Join(tmp, "data"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "runtime"),
		"JUPYTER_CONFIG_DIR="+filepath.Join(tmp, "config"),
		"GOPAR_KERNEL_NAME=gopar",
	)
	return env
}

func TestVersionAndHelp(t *testing.T) {
	out, _, code := gopar(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "gopar ") || !strings.Contains(out, runtime.Version()) || !strings.Contains(out, "yaegi v0.") || !strings.Contains(out, interp.Version) {
		t.Errorf("gopar version: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"kernel", "--help"}, {"install", "-h"}, {"uninstall", "--help"}, {"run", "--help"}, {"help", "run"}} {
		out, errOut, code := gopar(t, nil, args...)
		if code != 0 || !strings.Contains(out+errOut, "Usage") {
			t.Errorf("gopar %v: exit %d, output %q", args, code, out+errOut)
		}
	}
	if _, errOut, code := gopar(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if _, errOut, code := gopar(t, nil); code != 2 || !strings.Contains(errOut, "Usage") {
		t.Errorf("no command: exit %d, %q", code, errOut)
	}
}

// TestPrebindInitialisesEarly checks, in the built binary, that
// internal/prebind (which binds the kernel's ports so that a client's first
// connection is not refused) initialises before the heavy packages: it
// stops doing so as soon as it imports something that comes late, net
// included.
func TestPrebindInitialisesEarly(t *testing.T) {
	_, errOut, code := gopar(t, append(os.Environ(), "GODEBUG=inittrace=1"), "version")
	if code != 0 {
		t.Fatalf("gopar version: exit %d\n%s", code, errOut)
	}
	order := map[string]int{}
	var at string
	for i, line := range strings.Split(errOut, "\n") {
		// init PKG @T ms, C ms clock, B bytes, A allocs
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "init" {
			continue
		}
		order[f[1]] = i
		if f[1] == "github.com/gopar/gopar/internal/prebind" {
			at = f[2]
		}
	}
	pre, ok := order["github.com/gopar/gopar/internal/prebind"]
	if !ok {
		t.Fatalf("no init line for internal/prebind in:\n%s", errOut)
	}
	for _, heavy := range []string{"net", "github.com/traefik/yaegi/stdlib", "gonum.org/v1/plot", "github.com/yuin/goldmark/extension", "github.com/go-zeromq/zmq4"} {
		if i, ok := order[heavy]; !ok || i < pre {
			t.Errorf("internal/prebind initialises after %s (or %s has no init line)", heavy, heavy)
		}
	}
	t.Logf("internal/prebind initialised %s ms after start; %d packages before it", at, pre)
}

func TestKernelBadConnectionFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte("{not json"), 0o600)
	for _, f := range []string{missing, garbage} {
		for _, flag := range []string{"--connection-file", "-f"} {
			start := time.Now()
			_, errOut, code := gopar(t, nil, "kernel", flag, f)
			if code == 0 {
				t.Errorf("gopar kernel %s %s: exit 0", flag, f)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], f) {
				t.Errorf("gopar kernel %s %s: stderr %q, want one line naming the file", flag, f, errOut)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("gopar kernel %s: took %v to fail", f, d)
			}
		}
	}
	if _, errOut, code := gopar(t, nil, "kernel"); code != 2 || !strings.Contains(errOut, "--connection-file") {
		t.Errorf("gopar kernel without a file: exit %d, %q", code, errOut)
	}
}

func TestInstallUninstall(t *testing.T) {
	prefix := t.TempDir()
	out, errOut, code := gopar(t, nil, "install", "--prefix", prefix, "--name", "gopar-test", "--display-name", "Go test")
	if code != 0 {
		t.Fatalf("install: exit %d: %s", code, errOut)
	}
	dir := filepath.Join(prefix, "share", "jupyter", "kernels", "gopar-test")
	if !strings.Contains(out, dir) {
		t.Errorf("install output %q does not say where (%s)", out, dir)
	}
	var spec struct {
		Argv          []string `json:"argv"`
		DisplayName   string   `json:"display_name"`
		Language      string   `json:"language"`
		InterruptMode string   `json:"interrupt_mode"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Argv) != 4 || spec.Argv[0] != filepath.Join(dir, "gopar") || spec.Argv[1] != "kernel" || spec.Argv[3] != "{connection_file}" ||
		spec.DisplayName != "Go test" || spec.Language != "go" || spec.InterruptMode != "signal" {
		t.Errorf("kernel.json = %s", b)
	}
	// The copy is a working gopar.
	vout, err := exec.Command(spec.Argv[0], "version").Output()
	if err != nil || !strings.HasPrefix(string(vout), "gopar ") {
		t.Errorf("installed copy: %v %q", err, vout)
	}
	if _, errOut, code := gopar(t, nil, "install", "--user", "--prefix", prefix); code != 2 || !strings.Contains(errOut, "only one") {
		t.Errorf("two scopes: exit %d %q", code, errOut)
	}
	if _, errOut, code := gopar(t, nil, "install", "--prefix", prefix, "--name", "bad name"); code != 1 || !strings.Contains(errOut, "invalid kernel name") {
		t.Errorf("bad name: exit %d %q", code, errOut)
	}
	if out, errOut, code := gopar(t, nil, "uninstall", "--prefix", prefix, "--name", "gopar-test"); code != 0 || !strings.Contains(out, "Removed") {
		t.Errorf("uninstall: exit %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left after uninstall", dir)
	}
	if _, errOut, code := gopar(t, nil, "uninstall", "--prefix", prefix, "--name", "gopar-test"); code != 1 || !strings.Contains(errOut, "not installed") {
		t.Errorf("second uninstall: exit %d %q", code, errOut)
	}
	// --user follows JUPYTER_DATA_DIR.
	data := t.TempDir()
	env := append(os.Environ(), "JUPYTER_DATA_DIR="+data)
	if _, errOut, code := gopar(t, env, "install"); code != 0 {
		t.Fatalf("install --user: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "kernels", "gopar", "kernel.json")); err != nil {
		t.Errorf("default install did not go to JUPYTER_DATA_DIR: %v", err)
	}
	if _, errOut, code := gopar(t, env, "uninstall", "--user"); code != 0 {
		t.Errorf("uninstall --user: %s", errOut)
	}
}

// codeOutputs returns, per code cell of nb, its outputs as text: streams as
// "name:text", results and displays as "type:mime=value" of their richest
// text, errors as "error:ename".
func codeOutputs(nb *nbrun.Notebook) []string {
	var res []string
	for _, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		var parts []string
		for _, o := range c.Outputs {
			switch o.OutputType {
			case "stream":
				parts = append(parts, o.Name+":"+o.Text)
			case "error":
				parts = append(parts, "error:"+o.EName)
			default:
				mime := "text/plain"
				if _, ok := o.Data["text/html"]; ok {
					mime = "text/html"
				}
				parts = append(parts, fmt.Sprintf("%s:%s=%v", o.OutputType, mime, o.Data[mime]))
			}
		}
		res = append(res, strings.Join(parts, "|"))
	}
	return res
}

// wantHello are the outputs of testdata/hello.ipynb's code cells.
var wantHello = []string{
	"stdout:hello, world\n",
	"execute_result:text/plain=42",
	"execute_result:text/plain=1764",
	"display_data:text/html=<b>bold from Go</b>",
	"stderr:a line on stderr\n",
}

func checkHello(t *testing.T, path string) {
	t.Helper()
	nb, err := nbrun.ReadNotebook(path)
	if err != nil {
		t.Fatal(err)
	}
	got := codeOutputs(nb)
	if len(got) != len(wantHello) {
		t.Fatalf("%s: %d code cells, want %d: %q", path, len(got), len(wantHello), got)
	}
	for i := range got {
		if got[i] != wantHello[i] {
			t.Errorf("%s: code cell %d outputs %q, want %q", path, i+1, got[i], wantHello[i])
		}
	}
	out, err := exec.Command(python, "-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))", path).CombinedOutput()
	if err != nil {
		t.Errorf("nbformat rejects %s: %v\n%s", path, err, out)
	}
}

func TestRunNotebook(t *testing.T) {
	requirePython(t, "nbformat")
	dir := t.TempDir()
	out := filepath.Join(dir, "hello.out.ipynb")
	page := filepath.Join(dir, "hello.html")
	_, errOut, code := gopar(t, nil, "run", "testdata/hello.ipynb", "-o", out, "--html", page, "--timeout", "2m")
	if code != 0 {
		t.Fatalf("gopar run: exit %d\n%s", code, errOut)
	}
	checkHello(t, out)
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h1>Hello from gopar</h1>", "<table>", "<b>bold from Go</b>", `class="chroma"`, "Out[2]:"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}

	// A failing cell: exit 1, naming the cell and the error.
	bad := filepath.Join(dir, "bad.ipynb")
	nb := `{"cells": [
  {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": "fmt.Println(1)"},
  {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": "\nvar broken int = \"x\""}
 ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	os.WriteFile(bad, []byte(nb), 0o644)
	_, errOut, code = gopar(t, nil, "run", bad, "-q")
	if code != 1 || !strings.Contains(errOut, "cell 2") || !strings.Contains(errOut, `var broken int = "x"`) {
		t.Errorf("failing notebook: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.out.ipynb")); err != nil {
		t.Errorf("no executed notebook written beside the failing one: %v", err)
	}
	if _, errOut, code := gopar(t, nil, "run", filepath.Join(dir, "nosuch.ipynb")); code != 1 || !strings.Contains(errOut, "nosuch.ipynb") {
		t.Errorf("missing notebook: exit %d %q", code, errOut)
	}

	// A cell that never ends is stopped by --timeout, and the run fails
	// naming it.
	loop := filepath.Join(dir, "loop.ipynb")
	nb = `{"cells": [
  {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": "n := 0\nfor {\n\tn++\n}"},
  {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": "fmt.Println(\"not reached\")"}
 ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	os.WriteFile(loop, []byte(nb), 0o644)
	start := time.Now()
	_, errOut, code = gopar(t, nil, "run", loop, "--timeout", "500ms", "-o", filepath.Join(dir, "loop.out.ipynb"))
	if code != 1 || !strings.Contains(errOut, "cell 1 (n := 0)") || !strings.Contains(errOut, "timed out after 500ms") {
		t.Errorf("endless cell: exit %d, stderr %q", code, errOut)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("endless cell stopped after %v", d)
	}
	if out, err := nbrun.ReadNotebook(filepath.Join(dir, "loop.out.ipynb")); err != nil {
		t.Error(err)
	} else if got := codeOutputs(out); got[1] != "" {
		t.Errorf("cell after the timeout ran: %q", got)
	}
}

// kernelTestSummary is the line testdata/kernel_test_gopar.py prints.
type kernelTestSummary struct {
	Ran           int        `json:"ran"`
	ExpectedTests int        `json:"expected_tests"`
	Failures      []string   `json:"failures"`
	Errors        []string   `json:"errors"`
	Skipped       [][]string `json:"skipped"`
}

func TestKernelConformance(t *testing.T) {
	requirePython(t, "jupyter_kernel_test", "jupyter_client")
	env := jupyterEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "kernel_test_gopar.py"))
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	runErr := cmd.Run()
	t.Logf("jupyter_kernel_test:\n%s", e.String())
	var sum *kernelTestSummary
	for _, line := range strings.Split(o.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "GOPAR-KERNEL-TEST "); ok {
			sum = new(kernelTestSummary)
			if err := json.Unmarshal([]byte(rest), sum); err != nil {
				t.Fatalf("bad summary %q: %v", rest, err)
			}
		}
	}
	if sum == nil {
		t.Fatalf("kernel_test_gopar.py printed no summary (%v):\n%s\n%s", runErr, o.String(), e.String())
	}
	if sum.ExpectedTests != 12 || sum.Ran != sum.ExpectedTests {
		t.Errorf("ran %d tests of %d, want all 12", sum.Ran, sum.ExpectedTests)
	}
	if len(sum.Skipped) > 0 {
		t.Errorf("skipped: %q", sum.Skipped)
	}
	if len(sum.Failures)+len(sum.Errors) > 0 {
		t.Errorf("failed: %q; errors: %q", sum.Failures, sum.Errors)
	}
	if runErr != nil && !t.Failed() {
		t.Errorf("kernel_test_gopar.py: %v", runErr)
	}
}

func TestKernelInterruptRestart(t *testing.T) {
	requirePython(t, "jupyter_client")
	env := jupyterEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "kernel_extra_gopar.py"))
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "GOPAR-KERNEL-EXTRA ok") {
		t.Fatalf("kernel_extra_gopar.py: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "interrupt") {
			t.Log(l)
		}
	}
}

func TestConsole(t *testing.T) {
	requirePython(t, "jupyter_console")
	env := jupyterEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-m", "jupyter_console", "--kernel", "gopar", "--simple-prompt")
	cmd.Env = env
	// End of input asks the console to quit, which shuts the kernel down.
	cmd.Stdin = strings.NewReader("x := 6*7\nx\nfmt.Println(\"hi from the console\")\n")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("jupyter console: %v\n%s\n%s", err, o.String(), e.String())
	}
	for _, want := range []string{"gopar", "Out[2]: 42", "hi from the console", "Shutting down kernel"} {
		if !strings.Contains(o.String(), want) {
			t.Errorf("console output lacks %q:\n%s", want, o.String())
		}
	}
}

func TestNbconvertExecute(t *testing.T) {
	requirePython(t, "nbconvert", "nbclient", "jupyter_client")
	env := jupyterEnv(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-m", "nbconvert", "--to", "notebook", "--execute",
		"--ExecutePreprocessor.kernel_name=gopar", "--ExecutePreprocessor.timeout=120",
		"--output-dir", dir, "--output", "hello.nbconvert", filepath.Join("testdata", "hello.ipynb"))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nbconvert --execute: %v\n%s", err, out)
	}
	checkHello(t, filepath.Join(dir, "hello.nbconvert.ipynb"))
}
