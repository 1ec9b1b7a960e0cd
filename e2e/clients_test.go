package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/nbrun"
)

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
	requireTools(t, nbformat)
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
	requireTools(t, jupyterKernelTest, jupyterClient)
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
	requireTools(t, jupyterClient)
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
	requireTools(t, jupyterConsole)
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
	requireTools(t, nbconvert, nbclient, nbformat, jupyterClient)
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
