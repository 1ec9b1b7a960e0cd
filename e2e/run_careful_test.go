//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests here check that `gopar run` is as careful with the user's files
// as `jupyter nbconvert --execute --inplace`, on the real binary.

// nobody is the user and group unprivileged runs use when the tests run as
// root, for whom no directory is read-only.
const nobody = 65534

// sharedDir returns a new directory with mode perm that the unprivileged
// user can reach (t.TempDir's parents are private).
func sharedDir(t *testing.T, perm os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "gopar-e2e-careful-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
		os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, perm); err != nil {
		t.Fatal(err)
	}
	return dir
}

// goparAs runs the gopar binary with args, as the unprivileged user when the
// test runs as root and as the test's user otherwise, and returns its stderr
// and exit code.
func goparAs(t *testing.T, args ...string) (stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := goparBin(t)
	cmd := exec.CommandContext(ctx, bin, args...)
	if os.Geteuid() == 0 {
		// The binary is in a private directory: copy it where nobody can
		// run it.
		dir := sharedDir(t, 0o755)
		shared := filepath.Join(dir, "gopar")
		src, err := os.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		dst, err := os.OpenFile(shared, os.O_WRONLY|os.O_CREATE, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		dst.Close()
		cmd = exec.CommandContext(ctx, shared, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + sharedDir(t, 0o777)}
	}
	var e bytes.Buffer
	cmd.Stderr = &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return e.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("gopar %q: %v", args, err)
	}
	return e.String(), 0
}

// writeNotebook writes an nbformat 4 notebook of code cells to path.
func writeNotebook(t *testing.T, path string, perm os.FileMode, sources ...string) {
	t.Helper()
	var cells []any
	for _, s := range sources {
		cells = append(cells, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": s,
			"execution_count": 7, "outputs": []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "stored\n"}}})
	}
	b, err := json.Marshal(map[string]any{"cells": cells, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

// TestRunUnwritableOutputFailsAtOnce checks that `gopar run` fails before it
// runs a cell when it could not write the executed notebook or the report
// (a read-only directory, a read-only notebook run in place), naming the
// file, and writes nothing.
func TestRunUnwritableOutputFailsAtOnce(t *testing.T) {
	ro := sharedDir(t, 0o755) // root's, when the test runs as root
	rw := sharedDir(t, 0o777)
	marker := filepath.Join(rw, "ran")
	cell := `if err := os.WriteFile(` + strconv.Quote(marker) + `, []byte("x"), 0o644); err != nil {
	panic(err)
}`
	inRO := filepath.Join(ro, "nb.ipynb")
	writeNotebook(t, inRO, 0o644, cell)
	inRW := filepath.Join(rw, "nb.ipynb")
	writeNotebook(t, inRW, 0o666, cell)
	theirs := filepath.Join(rw, "theirs.ipynb")
	writeNotebook(t, theirs, 0o444, cell)
	if os.Geteuid() != 0 {
		if err := os.Chmod(ro, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := os.ReadFile(theirs)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", inRO}, "gopar run: cannot write the executed notebook to " + filepath.Join(ro, "nb.out.ipynb") + ": directory " + ro + ": permission denied\n"},
		{[]string{"run", inRW, "--html", filepath.Join(ro, "r.html")}, "gopar run: cannot write the HTML report to " + filepath.Join(ro, "r.html") + ": directory " + ro + ": permission denied\n"},
		{[]string{"run", "--inplace", theirs}, "gopar run: cannot write the executed notebook to " + theirs + ": permission denied\n"},
	} {
		start := time.Now()
		errOut, code := goparAs(t, tc.args...)
		if code != 1 || errOut != tc.want {
			t.Errorf("gopar %q: exit %d, stderr %q; want 1 and %q", tc.args, code, errOut, tc.want)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("gopar %q ran a cell before failing", tc.args)
			os.Remove(marker)
		}
		t.Logf("gopar %q failed after %v", tc.args, time.Since(start))
	}
	if after, _ := os.ReadFile(theirs); !bytes.Equal(after, before) {
		t.Errorf("the read-only notebook was replaced")
	}
	for _, dir := range []string{ro, rw} {
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if n := e.Name(); n != "nb.ipynb" && n != "theirs.ipynb" {
				t.Errorf("%s: %s written", dir, n)
			}
		}
	}

	// The same user, with an output it can write, runs the cell: the checks
	// above saw the cell not run because it was not run.
	ok := filepath.Join(rw, "ok.ipynb")
	if errOut, code := goparAs(t, "run", inRW, "-o", ok); code != 0 {
		t.Fatalf("gopar run -o %s: exit %d\n%s", ok, code, errOut)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the cell did not run: %v", err)
	}
}

// TestRunInplaceFailure checks `gopar run --inplace` on a notebook, through
// a symbolic link, whose second cell fails: exit 1; the first cell has its
// new output, the second its error, the third what it had; the link and the
// notebook's mode stay.
func TestRunInplaceFailure(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.ipynb")
	writeNotebook(t, real, 0o600, `fmt.Println("one")`, `var broken int = "x"`, `fmt.Println("three")`)
	link := filepath.Join(dir, "link.ipynb")
	if err := os.Symlink("real.ipynb", link); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := gopar(t, nil, "run", "--inplace", link)
	if code != 1 || !strings.Contains(errOut, "cell 2") || !strings.Contains(errOut, "(the code cell not run keeps its earlier outputs)") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if fi, err := os.Stat(real); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the notebook's mode: %v %v, want 0600", fi.Mode(), err)
	}
	b, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			ExecutionCount *int `json:"execution_count"`
			Outputs        []struct {
				OutputType string   `json:"output_type"`
				Text       []string `json:"text"`
				EName      string   `json:"ename"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &nb); err != nil || len(nb.Cells) != 3 {
		t.Fatalf("%v\n%s", err, b)
	}
	got := make([]string, 3)
	for i, c := range nb.Cells {
		if c.ExecutionCount != nil {
			got[i] = strconv.Itoa(*c.ExecutionCount)
		}
		for _, o := range c.Outputs {
			got[i] += " " + o.OutputType + ":" + strings.Join(o.Text, "") + o.EName
		}
	}
	want := []string{"1 stream:one\n", "2 error:CompileError", "7 stream:stored\n"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d: %q, want %q", i+1, got[i], want[i])
		}
	}
}

// TestRunRefusesPythonNotebook checks that `gopar run --inplace` refuses a
// Python notebook at once, saying how to run it, and leaves it as it was.
func TestRunRefusesPythonNotebook(t *testing.T) {
	nb := filepath.Join(t.TempDir(), "py.ipynb")
	src := `{"cells": [{"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {}, "outputs": [], "source": "import numpy as np"}],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}`
	if err := os.WriteFile(nb, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := gopar(t, nil, "run", "--inplace", nb)
	want := "gopar run: " + nb + `: the notebook is in python (its kernel is "Python 3"), and gopar runs Go only: run it with its kernel (jupyter nbconvert --to notebook --execute ` + nb + "), or if its code is Go, choose a Go kernel for it\n"
	if code != 1 || errOut != want {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, want)
	}
	if b, _ := os.ReadFile(nb); string(b) != src {
		t.Errorf("the notebook was changed:\n%s", b)
	}
}

// TestRunNBFormat3 checks that `gopar run` runs an nbformat 3 notebook and
// writes valid nbformat 4.
func TestRunNBFormat3(t *testing.T) {
	requireTools(t, nbformat)
	out := filepath.Join(t.TempDir(), "v3.out.ipynb")
	_, errOut, code := gopar(t, nil, "run", "../nbrun/testdata/v3.ipynb", "-o", out, "--allow-errors")
	if code != 0 || !strings.Contains(errOut, "../nbrun/testdata/v3.ipynb is in nbformat 3: converted to nbformat 4") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	b, err := exec.Command(python, "-c", "import sys, nbformat; nb = nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT); nbformat.validate(nb); print(nb.nbformat, nb.nbformat_minor)", out).CombinedOutput()
	if err != nil || strings.TrimSpace(string(b)) != "4 5" {
		t.Errorf("nbformat: %v\n%s", err, b)
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), `"x is 42\n"`) || !strings.Contains(string(b), `"from worksheet 2\n"`) {
		t.Errorf("the cells did not run:\n%s", b)
	}
}
