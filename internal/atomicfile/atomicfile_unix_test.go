//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// umask sets the process's umask for the test.
func umask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func TestReplaceNewFileUmask(t *testing.T) {
	dir := t.TempDir()
	for mask, want := range map[int]os.FileMode{0o022: 0o644, 0o077: 0o600, 0o002: 0o664} {
		umask(t, mask)
		p := filepath.Join(dir, "f")
		os.Remove(p)
		if err := ReplaceFile(p, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if got := mode(t, p); got != want {
			t.Errorf("umask %03o: new file's mode %v, want %v", mask, got, want)
		}
	}
}

func TestReplaceKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user needs root")
	}
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("old"), 0o640)
	if err := os.Chown(p, 4242, 4343); err != nil {
		t.Fatal(err)
	}
	if err := ReplaceFile(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 4242 || st.Gid != 4343 || fi.Mode().Perm() != 0o640 {
		t.Errorf("owner %d:%d mode %v, want 4242:4343 and 0640 kept", st.Uid, st.Gid, fi.Mode().Perm())
	}
}

func TestReplaceRefusesPipe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip(err)
	}
	err := ReplaceFile(p, []byte("x"))
	var ke *KindError
	if !errors.As(err, &ke) || err.Error() != "write "+p+": is a named pipe, not a regular file" {
		t.Errorf("ReplaceFile on a named pipe: %v", err)
	}
	if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced")
	}
}
