package nbrun

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestRunChecksOutputsFirst checks that an output that cannot be written
// fails the run before any cell runs, with a message naming it, and that
// Check finds the same.
func TestRunChecksOutputsFirst(t *testing.T) {
	in := writeNB(t, "print ran")
	before, _ := os.ReadFile(in)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	missing := filepath.Join(dir, "no", "such")
	for _, tc := range []struct {
		name       string
		out, html  string
		wantPrefix string
	}{
		{"notebook in a missing directory", filepath.Join(missing, "o.ipynb"), "",
			"cannot write the executed notebook to " + filepath.Join(missing, "o.ipynb") + ": directory " + missing + ": no such file or directory"},
		{"notebook under a file", filepath.Join(file, "o.ipynb"), "",
			"cannot write the executed notebook to " + filepath.Join(file, "o.ipynb") + ": "},
		{"notebook is a directory", dir, "",
			"cannot write the executed notebook to " + dir + ": is a directory"},
		{"report in a missing directory", "", filepath.Join(missing, "r.html"),
			"cannot write the HTML report to " + filepath.Join(missing, "r.html") + ": directory " + missing + ": "},
		{"report over the notebook", "", in,
			"the HTML report " + in + " would overwrite the notebook " + in},
		{"report over the executed notebook", filepath.Join(dir, "o.ipynb"), filepath.Join(dir, ".", "o.ipynb"),
			"the HTML report and the executed notebook would both be " + filepath.Join(dir, "o.ipynb")},
	} {
		out := tc.out
		if out == "" {
			out = filepath.Join(t.TempDir(), "o.ipynb")
		}
		opts := Options{Input: in, Output: out, HTML: tc.html}
		eng := &fakeEngine{}
		err := Run(context.Background(), eng, opts)
		if err == nil || !strings.HasPrefix(err.Error(), tc.wantPrefix) {
			t.Errorf("%s: Run error %v, want %q", tc.name, err, tc.wantPrefix)
		}
		if len(eng.reqs) != 0 {
			t.Errorf("%s: Run ran %d cells before failing", tc.name, len(eng.reqs))
		}
		if cerr := Check(opts); cerr == nil || err == nil || cerr.Error() != err.Error() {
			t.Errorf("%s: Check error %v, want Run's %v", tc.name, cerr, err)
		}
	}
	if after, _ := os.ReadFile(in); string(after) != string(before) {
		t.Errorf("the notebook was changed:\n%s", after)
	}
	if err := Check(Options{Input: in}); err != nil {
		t.Errorf("Check of a notebook whose output can be written: %v", err)
	}
}

// TestInplaceFailureKeepsLaterOutputs checks that a run in place that
// stops at a failing cell leaves the cells after it as they were, outputs
// and execution counts, as Jupyter does when Run All stops at an error,
// while the report shows this run only.
func TestInplaceFailureKeepsLaterOutputs(t *testing.T) {
	in := writeNB(t, "print one", "fail E boom", "# Notes", "print three", "")
	page := filepath.Join(t.TempDir(), "r.html")
	var log bytes.Buffer
	// The output names the input another way: it is still in place.
	out := filepath.Join(filepath.Dir(in), ".", filepath.Base(in))
	nb, err := run(t, &fakeEngine{}, Options{Input: in, Output: out, HTML: page, Log: &log})
	var ce *CellError
	if !errors.As(err, &ce) || ce.Index != 2 {
		t.Fatalf("Run error %v, want cell 2's", err)
	}
	want := []struct {
		outputs string
		count   int
	}{{"stdout:one\n", 1}, {"error:E:boom", 2}, {"", 0}, {"stdout:stale\n", 99}, {"stdout:stale\n", 99}}
	for i, c := range nb.Cells {
		count := 0
		if c.ExecutionCount != nil {
			count = *c.ExecutionCount
		}
		if got := outputsOf(c); got != want[i].outputs || count != want[i].count {
			t.Errorf("cell %d: outputs %q, execution_count %d; want %q, %d", i+1, got, count, want[i].outputs, want[i].count)
		}
	}
	if _, ok := nb.Cells[3].Metadata["execution"]; ok {
		t.Errorf("cell 4, not run, has timings: %v", nb.Cells[3].Metadata)
	}
	if !strings.Contains(log.String(), "(the 2 code cells not run keep their earlier outputs)") {
		t.Errorf("log does not say what was kept:\n%s", log.String())
	}
	if b, err := os.ReadFile(page); err != nil || strings.Contains(string(b), "stale") || !strings.Contains(string(b), "boom") {
		t.Errorf("the report shows outputs this run did not make, or not its error: %v", err)
	}

	// Interrupted before the first cell: every cell keeps what it had.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before, err := ReadNotebook(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := Run(ctx, &fakeEngine{}, Options{Input: in, Output: in}); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Run: %v", err)
	}
	after, err := ReadNotebook(in)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range after.Cells {
		if got, want := outputsOf(c), outputsOf(before.Cells[i]); got != want || !reflect.DeepEqual(c.ExecutionCount, before.Cells[i].ExecutionCount) {
			t.Errorf("interrupted: cell %d outputs %q, want %q kept", i+1, got, want)
		}
	}

	// Run again with AllowErrors: every cell runs, nothing is kept.
	nb, err = run(t, &fakeEngine{}, Options{Input: in, Output: in, AllowErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := outputsOf(nb.Cells[3]); got != "stdout:three\n" || *nb.Cells[3].ExecutionCount != 3 {
		t.Errorf("cell 4 with AllowErrors: %q", got)
	}
	if got := outputsOf(nb.Cells[4]); got != "" || nb.Cells[4].ExecutionCount != nil {
		t.Errorf("empty cell 5 with AllowErrors: %q", got)
	}
}

// TestCarelessInput checks what gopar run says of paths and files that are
// not notebooks: each error names the path and says what is wrong, before
// anything runs.
func TestCarelessInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "nosuch.ipynb")
	for _, tc := range []struct {
		path, want string
	}{
		{missing, "open " + missing + ": no such file or directory"},
		{dir, dir + " is a directory, not a notebook"},
		{write("empty.ipynb", ""), filepath.Join(dir, "empty.ipynb") + ": empty file, not a notebook"},
		{write("blank.ipynb", " \n"), filepath.Join(dir, "blank.ipynb") + ": empty file, not a notebook"},
		{write("list.ipynb", "[]"), filepath.Join(dir, "list.ipynb") + ": not a notebook: not a JSON object"},
		{write("text.ipynb", "hello"), filepath.Join(dir, "text.ipynb") + ": not a notebook: invalid character 'h' looking for beginning of value"},
		{write("noversion.ipynb", `{"cells": []}`), filepath.Join(dir, "noversion.ipynb") + `: not a notebook: no "nbformat" version number`},
		{write("nocells.ipynb", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}`), filepath.Join(dir, "nocells.ipynb") + `: not a notebook: no "cells" list`},
		{write("nullcells.ipynb", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": null}`), filepath.Join(dir, "nullcells.ipynb") + `: not a notebook: no "cells" list`},
	} {
		eng := &fakeEngine{}
		out := filepath.Join(t.TempDir(), "o.ipynb")
		err := Run(context.Background(), eng, Options{Input: tc.path, Output: out})
		if err == nil || err.Error() != tc.want {
			t.Errorf("Run(%s) = %v, want %s", tc.path, err, tc.want)
		}
		if cerr := Check(Options{Input: tc.path}); cerr == nil || cerr.Error() != tc.want {
			t.Errorf("Check(%s) = %v, want %s", tc.path, cerr, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("Run(%s) wrote %s", tc.path, out)
		}
	}
}

// TestOddButValid checks notebooks that are odd but valid: no cells, no
// metadata, sources as one string or as a list of lines.
func TestOddButValid(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "empty.ipynb")
	os.WriteFile(in, []byte(`{"nbformat": 4, "nbformat_minor": 2, "cells": []}`), 0o644)
	page := filepath.Join(dir, "r.html")
	nb, err := run(t, &fakeEngine{}, Options{Input: in, HTML: page})
	if err != nil || len(nb.Cells) != 0 || nb.Metadata["kernelspec"] == nil {
		t.Errorf("no cells: %v, %d cells, metadata %v", err, len(nb.Cells), nb.Metadata)
	}
	if _, err := os.Stat(page); err != nil {
		t.Errorf("no report for a notebook without cells: %v", err)
	}

	in = filepath.Join(dir, "sources.ipynb")
	os.WriteFile(in, []byte(`{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
 {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null, "outputs": [], "source": "print one\nprint two"},
 {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": null, "outputs": [], "source": ["print one\n", "print two"]},
 {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": null, "outputs": [], "source": []}
]}`), 0o644)
	eng := &fakeEngine{}
	nb, err = run(t, eng, Options{Input: in})
	if err != nil {
		t.Fatal(err)
	}
	if len(eng.reqs) != 2 || eng.reqs[0].Code != "print one\nprint two" || eng.reqs[1].Code != eng.reqs[0].Code {
		t.Errorf("requests %+v, want the same code twice", eng.reqs)
	}
	if outputsOf(nb.Cells[0]) != outputsOf(nb.Cells[1]) || nb.Cells[2].ExecutionCount != nil {
		t.Errorf("outputs %q, %q; empty cell's count %v", outputsOf(nb.Cells[0]), outputsOf(nb.Cells[1]), nb.Cells[2].ExecutionCount)
	}
}

// TestOtherLanguages checks that a notebook whose metadata names another
// language than Go is refused before anything runs, with the command that
// runs it, and is left as it was; and that a Go notebook, or one that names
// no language, runs.
func TestOtherLanguages(t *testing.T) {
	for _, tc := range []struct {
		meta string
		want string // "" for a run
	}{
		{`{"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}, "language_info": {"name": "python"}}`,
			`the notebook is in python (its kernel is "Python 3 (ipykernel)"), and gopar runs Go only`},
		{`{"kernelspec": {"name": "ir", "language": "R"}}`, `the notebook is in R (its kernel is "ir"), and gopar runs Go only`},
		{`{"language_info": {"name": "python"}}`, "the notebook is in python, and gopar runs Go only"},
		{`{"kernelspec": {"name": "gonb", "display_name": "Go (gonb)", "language": "Go"}, "language_info": {"name": "python"}}`, ""},
		{`{"kernelspec": {"name": "gophernotes", "display_name": "Go"}, "language_info": {"name": "go"}}`, ""},
		{`{"kernelspec": {"name": "x", "display_name": "X"}}`, ""},
		{`{}`, ""},
	} {
		in := filepath.Join(t.TempDir(), "nb.ipynb")
		src := `{"nbformat": 4, "nbformat_minor": 5, "metadata": ` + tc.meta + `, "cells": [
 {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": 3, "outputs": [], "source": "print hi"}]}`
		os.WriteFile(in, []byte(src), 0o644)
		eng := &fakeEngine{}
		err := Run(context.Background(), eng, Options{Input: in, Output: in})
		if tc.want == "" {
			if err != nil || len(eng.reqs) != 1 {
				t.Errorf("%s: %v, %d cells run; want a run", tc.meta, err, len(eng.reqs))
			}
			continue
		}
		want := in + ": " + tc.want + ": run it with its kernel (jupyter nbconvert --to notebook --execute " + in + "), or if its code is Go, choose a Go kernel for it"
		if err == nil || err.Error() != want {
			t.Errorf("%s: Run error %v, want %s", tc.meta, err, want)
		}
		if cerr := Check(Options{Input: in}); cerr == nil || cerr.Error() != want {
			t.Errorf("%s: Check error %v", tc.meta, cerr)
		}
		if len(eng.reqs) != 0 {
			t.Errorf("%s: ran %d cells", tc.meta, len(eng.reqs))
		}
		if b, _ := os.ReadFile(in); string(b) != src {
			t.Errorf("%s: the notebook was changed:\n%s", tc.meta, b)
		}
	}
}
