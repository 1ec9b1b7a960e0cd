package nbrun

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// nbformatWrites converts the notebook at path to nbformat 4 with Debian's
// nbformat, and returns it as its writer writes it to a file.
func nbformatWrites(t *testing.T, path string) []byte {
	t.Helper()
	script := "import sys, nbformat\nsys.stdout.write(nbformat.writes(nbformat.read(sys.argv[1], as_version=4)) + '\\n')"
	out, err := exec.Command("/usr/bin/python3", "-c", script, path).Output()
	if err != nil {
		t.Fatalf("nbformat cannot read %s: %v (install python3-nbformat)", path, err)
	}
	return out
}

// diffNotebooks fails the test with a diff when gopar's encoding of a
// notebook is not nbformat's.
func diffNotebooks(t *testing.T, got, want []byte) {
	t.Helper()
	if string(got) == string(want) {
		return
	}
	dir := t.TempDir()
	gotPath, wantPath := filepath.Join(dir, "gopar.ipynb"), filepath.Join(dir, "nbformat.ipynb")
	os.WriteFile(gotPath, got, 0o644)
	os.WriteFile(wantPath, want, 0o644)
	diff, _ := exec.Command("diff", "-u", wantPath, gotPath).CombinedOutput()
	t.Errorf("gopar writes the notebook otherwise than nbformat (- nbformat, + gopar):\n%s", diff)
}

// TestEncodeAsNbformat checks that gopar writes a notebook byte for byte as
// nbformat does: "<", ">" and "&" as they are, JavaScript as lines.
func TestEncodeAsNbformat(t *testing.T) {
	const path = "testdata/v4.ipynb"
	nb, err := ReadNotebook(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := nb.Encode()
	if err != nil {
		t.Fatal(err)
	}
	diffNotebooks(t, got, nbformatWrites(t, path))
}
