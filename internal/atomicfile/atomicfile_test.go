package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
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

// mode returns the permission and set-id bits of the file at p.
func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)
}

// content returns the content of the file at p.
func content(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// isLink reports whether p is a symbolic link.
func isLink(t *testing.T, p string) bool {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()&os.ModeSymlink != 0
}

func TestReplaceKeepsMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes on Windows")
	}
	dir := t.TempDir()
	for _, perm := range []os.FileMode{0o600, 0o640, 0o755, 0o604 | os.ModeSetgid} {
		p := filepath.Join(dir, "f")
		os.Remove(p)
		if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatal(err)
		}
		if err := ReplaceFile(p, []byte("new")); err != nil {
			t.Fatal(err)
		}
		if got := mode(t, p); got != perm {
			t.Errorf("mode %v after Replace, want %v kept", got, perm)
		}
		if got := content(t, p); got != "new" {
			t.Errorf("content %q", got)
		}
	}
	if got := names(t, dir); len(got) != 1 {
		t.Errorf("directory holds %q, want only f", got)
	}
}

// TestReplaceFollowsLinks checks that Replace writes the file at the end of
// a chain of links and keeps the links, with relative targets taken from
// each link's directory as the system does.
func TestReplaceFollowsLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "data", "nb.ipynb")
	if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	// work/sub is a link to data; work/sub/../nb is data/../nb, i.e.
	// dir/nb for the system, whatever "work/sub/.." looks like.
	work := filepath.Join(dir, "work")
	os.Mkdir(work, 0o755)
	if err := os.Symlink(filepath.Join("..", "data"), filepath.Join(work, "sub")); err != nil {
		t.Fatal(err)
	}
	link1 := filepath.Join(dir, "link1")             // → data/nb.ipynb
	link2 := filepath.Join(work, "link2")            // → ../link1
	viaDir := filepath.Join(work, "sub", "up.ipynb") // data/up.ipynb → ../data/nb.ipynb
	dangling := filepath.Join(dir, "dangling")       // → data/new.ipynb
	for link, to := range map[string]string{
		link1:    filepath.Join("data", "nb.ipynb"),
		link2:    filepath.Join("..", "link1"),
		viaDir:   filepath.Join("..", "data", "nb.ipynb"),
		dangling: filepath.Join("data", "new.ipynb"),
	} {
		if err := os.Symlink(to, link); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range []string{link1, link2, viaDir} {
		want := "new" + strconv.Itoa(i)
		if err := ReplaceFile(p, []byte(want)); err != nil {
			t.Fatalf("ReplaceFile(%s): %v", p, err)
		}
		if !isLink(t, p) || !isLink(t, link1) {
			t.Errorf("ReplaceFile(%s) replaced a link with a file", p)
		}
		if got := content(t, real); got != want {
			t.Errorf("after ReplaceFile(%s), the linked file holds %q, want %q", p, got, want)
		}
		if got := mode(t, real); got != 0o600 {
			t.Errorf("after ReplaceFile(%s), the linked file's mode is %v, want 0600 kept", p, got)
		}
		if got, err := Target(p); err != nil || !sameFile(t, got, real) {
			t.Errorf("Target(%s) = %q, %v; want %s", p, got, err, real)
		}
	}
	if err := ReplaceFile(dangling, []byte("made")); err != nil {
		t.Fatal(err)
	}
	if !isLink(t, dangling) || content(t, filepath.Join(dir, "data", "new.ipynb")) != "made" {
		t.Errorf("a link to nothing did not create the file it names")
	}
	if got := names(t, filepath.Join(dir, "data")); len(got) != 3 {
		t.Errorf("data holds %q, want nb.ipynb, new.ipynb and up.ipynb", got)
	}
	if got := names(t, work); len(got) != 2 {
		t.Errorf("work holds %q, want only link2 and sub", got)
	}

	loop := filepath.Join(dir, "loop")
	os.Symlink("loop", loop)
	if err := ReplaceFile(loop, nil); err == nil || !isLink(t, loop) {
		t.Errorf("ReplaceFile on a link to itself: %v", err)
	}
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// TestReplaceRefuses checks that Replace and Check refuse a path that leads
// to a directory, a device or a missing directory, before writing anything.
func TestReplaceRefuses(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	for _, tc := range []struct {
		path string
		want string // what the error says after "write PATH: "
		is   error
	}{
		{sub, "is a directory", nil},
		{filepath.Join(dir, "no", "f"), "directory " + filepath.Join(dir, "no") + ": ", os.ErrNotExist},
		{filepath.Join(file, "f"), "", nil}, // a file as a directory
		{os.DevNull, "is a device, not a regular file", nil},
	} {
		called := false
		errs := map[string]error{
			"Replace": Replace(tc.path, func(io.Writer) error { called = true; return nil }),
			"Check":   Check(tc.path),
		}
		for fn, err := range errs {
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Op != "write" || pe.Path != tc.path ||
				!strings.HasPrefix(err.Error(), "write "+tc.path+": "+tc.want) || tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%s(%s) = %v, want an error saying write %s: %s", fn, tc.path, err, tc.path, tc.want)
			}
		}
		if called {
			t.Errorf("Replace(%s) called write", tc.path)
		}
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode().IsRegular() {
		t.Errorf("%s was replaced: %v %v", os.DevNull, fi, err)
	}
	if got := names(t, dir); len(got) != 2 {
		t.Errorf("directory holds %q, want only file and sub", got)
	}
	if got := names(t, sub); len(got) != 0 {
		t.Errorf("sub holds %q", got)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "new"), filepath.Join(dir, "old")} {
		if p == filepath.Join(dir, "old") {
			os.WriteFile(p, []byte("old"), 0o600)
		}
		if err := Check(p); err != nil {
			t.Errorf("Check(%s): %v", p, err)
		}
	}
	if got := names(t, dir); len(got) != 1 || got[0] != "old" || content(t, filepath.Join(dir, "old")) != "old" {
		t.Errorf("Check changed the directory: %q", got)
	}
}
