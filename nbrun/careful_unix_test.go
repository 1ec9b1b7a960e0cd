//go:build unix

package nbrun

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// perm returns the permission bits of the file at p.
func perm(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestInplaceKeepsModeAndLink checks that a run in place, through a
// symbolic link, writes the linked notebook, keeps the link, and keeps the
// notebook's mode; and that the report, a new file, honours the umask.
func TestInplaceKeepsModeAndLink(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	real := writeNB(t, "print hi")
	if err := os.Chmod(real, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	link := filepath.Join(dir, "link.ipynb")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "r.html")
	nb, err := run(t, &fakeEngine{}, Options{Input: link, Output: link, HTML: page})
	if err != nil {
		t.Fatal(err)
	}
	if got := outputsOf(nb.Cells[0]); got != "stdout:hi\n" {
		t.Errorf("outputs %q", got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file: %v", err)
	}
	if got, err := ReadNotebook(real); err != nil || outputsOf(got.Cells[0]) != "stdout:hi\n" {
		t.Errorf("the linked notebook was not written: %v", err)
	}
	if got := perm(t, real); got != 0o600 {
		t.Errorf("the notebook's mode is %v, want 0600 kept", got)
	}
	if got := perm(t, page); got != 0o640 {
		t.Errorf("the new report's mode is %v, want 0640 (0666 less the umask 027)", got)
	}

	// A new executed notebook honours the umask too.
	out := filepath.Join(dir, "new.ipynb")
	if _, err := run(t, &fakeEngine{}, Options{Input: real, Output: out}); err != nil {
		t.Fatal(err)
	}
	if got := perm(t, out); got != 0o640 {
		t.Errorf("the new notebook's mode is %v, want 0640", got)
	}
}
