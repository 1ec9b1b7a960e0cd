package nbrun

import (
	"context"
	"os"
	"path/filepath"
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
