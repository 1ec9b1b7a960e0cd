package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/nbrun"
)

// quickEnv is set for the notebooks' test runs: cells read it to shrink
// their problem sizes, so that CI runs every notebook in minutes. The
// committed notebooks are executed without it, at full size.
const quickEnv = "GOPAR_QUICK=1"

// executeNotebook runs notebooks/name twice, with `gopar run` and with
// `jupyter nbconvert --execute` against the installed kernel, both with
// quickEnv set, and returns the two executed notebooks (gopar run's first).
// Either run failing fails the test.
func executeNotebook(t *testing.T, name string) []*nbrun.Notebook {
	t.Helper()
	requireTools(t, nbconvert, nbclient, jupyterClient)
	src := filepath.Join("..", "notebooks", name)
	dir := t.TempDir()
	env := append(jupyterEnv(t), quickEnv)

	runOut := filepath.Join(dir, "run.ipynb")
	if _, errOut, code := gopar(t, env, "run", src, "-o", runOut, "--html", filepath.Join(dir, "run.html"), "-q"); code != 0 {
		t.Fatalf("gopar run %s: exit %d\n%s", name, code, errOut)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-m", "nbconvert", "--to", "notebook", "--execute",
		"--ExecutePreprocessor.kernel_name=gopar", "--ExecutePreprocessor.timeout=600",
		"--output-dir", dir, "--output", "nbconvert", src)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nbconvert --execute %s: %v\n%s", name, err, out)
	}

	var nbs []*nbrun.Notebook
	for _, p := range []string{runOut, filepath.Join(dir, "nbconvert.ipynb")} {
		nb, err := nbrun.ReadNotebook(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range codeOutputs(nb) {
			if strings.Contains(c, "error:") {
				t.Errorf("%s (%s): code cell %d failed: %.300s", name, filepath.Base(p), i+1, c)
			}
		}
		nbs = append(nbs, nb)
	}
	return nbs
}

// notebookRuns returns the two test executions of notebooks/name (see
// executeNotebook) and then the committed, full-size notebook, with a label
// for each, so that the same checks hold for all three.
func notebookRuns(t *testing.T, name string) ([]*nbrun.Notebook, []string) {
	t.Helper()
	nbs := executeNotebook(t, name)
	committed, err := nbrun.ReadNotebook(filepath.Join("..", "notebooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return append(nbs, committed), []string{name + " (gopar run)", name + " (nbconvert)", name + " (committed)"}
}

// notebookText is all of a notebook's code-cell outputs as text (streams,
// text/plain and text/html), for checks of key values.
func notebookText(nb *nbrun.Notebook) string {
	var b strings.Builder
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			b.WriteString(o.Text)
			for _, mime := range []string{"text/plain", "text/html", "text/markdown"} {
				if s, ok := o.Data[mime].(string); ok {
					b.WriteString(s)
				}
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// hasImage tells whether any output of nb carries a PNG or SVG image.
func hasImage(nb *nbrun.Notebook) bool {
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if _, ok := o.Data["image/png"]; ok {
				return true
			}
			if _, ok := o.Data["image/svg+xml"]; ok {
				return true
			}
		}
	}
	return false
}

// TestNotebooksCommitted checks that every committed notebook holds its
// outputs (they are shared as reports) and no error output.
// maxNotebookSize bounds a committed notebook's file.
const maxNotebookSize = 300 << 10

func TestNotebooksCommitted(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "notebooks", "*.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 5 {
		t.Fatalf("notebooks/ holds %d notebooks, want one per seed document (5)", len(paths))
	}
	for _, p := range paths {
		nb, err := nbrun.ReadNotebook(p)
		if err != nil {
			t.Fatal(err)
		}
		// Small enough to read in a browser or on GitHub, with full-size outputs.
		if st, err := os.Stat(p); err != nil {
			t.Error(err)
		} else if st.Size() > maxNotebookSize {
			t.Errorf("%s: %d bytes, over %d", p, st.Size(), maxNotebookSize)
		}
		outputs := 0
		for i, c := range codeOutputs(nb) {
			if c != "" {
				outputs++
			}
			if strings.Contains(c, "error:") {
				t.Errorf("%s: committed code cell %d holds an error", p, i+1)
			}
		}
		if outputs == 0 {
			t.Errorf("%s is committed without outputs", p)
		}
		if !hasImage(nb) {
			t.Errorf("%s has no plot", p)
		}
	}
}
