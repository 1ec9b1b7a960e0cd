package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// names lists dir's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, e := range es {
		ns = append(ns, e.Name())
	}
	return ns
}

func TestWriteCreates(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "new.txt")
	if err := WriteFile(p, []byte("hello\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "hello\n" {
		t.Errorf("content = %q, %v", b, err)
	}
	if got := names(t, dir); len(got) != 1 || got[0] != "new.txt" {
		t.Errorf("directory holds %q, want only new.txt", got)
	}
}

func TestWriteModeIgnoresUmask(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes on Windows")
	}
	dir := t.TempDir()
	for _, perm := range []os.FileMode{0o600, 0o644, 0o755, 0o777} {
		p := filepath.Join(dir, perm.String())
		if err := WriteFile(p, nil, perm); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != perm {
			t.Errorf("mode %v, want %v", fi.Mode().Perm(), perm)
		}
	}
}

// TestWriteReplaces checks that the old content stays at path while the
// new one is written, and that a reader of the old file keeps reading it:
// path is renamed over, never truncated.
func TestWriteReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	old, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	err = Write(p, 0o644, func(w io.Writer) error {
		if _, err := io.WriteString(w, "new "); err != nil {
			return err
		}
		if b, err := os.ReadFile(p); err != nil || string(b) != "old" {
			t.Errorf("during the write, path holds %q (%v), want the old content", b, err)
		}
		_, err := io.Copy(w, strings.NewReader("content"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "new content" {
		t.Errorf("after the write, path holds %q (%v)", b, err)
	}
	if b, err := io.ReadAll(old); err != nil || string(b) != "old" {
		t.Errorf("the file open before the write reads %q (%v), want %q", b, err, "old")
	}
	if got := names(t, dir); len(got) != 1 {
		t.Errorf("directory holds %q, want only f", got)
	}
}

func TestWriteFailureLeavesPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, 0o644, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want write's error", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("after a failed write, path holds %q", b)
	}
	if got := names(t, dir); len(got) != 1 || got[0] != "f" {
		t.Errorf("temporary file left: directory holds %q", got)
	}
}

func TestWriteRenameFailure(t *testing.T) {
	dir := t.TempDir()
	// A non-empty directory cannot be renamed over.
	p := filepath.Join(dir, "d")
	if err := os.MkdirAll(filepath.Join(p, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("data"), 0o644); err == nil {
		t.Fatal("WriteFile over a directory succeeded")
	}
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
		t.Errorf("the directory is gone: %v", err)
	}
	if got := names(t, dir); len(got) != 1 || got[0] != "d" {
		t.Errorf("temporary file left: directory holds %q", got)
	}
}

func TestWriteMissingDir(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "such", "f")
	called := false
	err := Write(p, 0o644, func(io.Writer) error { called = true; return nil })
	if !errors.Is(err, os.ErrNotExist) || called {
		t.Errorf("err = %v, write called: %v; want ErrNotExist before writing", err, called)
	}
}
