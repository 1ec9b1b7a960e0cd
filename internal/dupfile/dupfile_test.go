package dupfile

import (
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
)

// TestDupSharesThePipe writes through a duplicate of a pipe's write end,
// closes the duplicate, and checks that the original still writes to the
// same pipe.
func TestDupSharesThePipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	d, err := Dup(w)
	if errors.Is(err, ErrUnsupported) {
		t.Skipf("%s: %v", runtime.GOOS, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if d.Name() != w.Name() {
		t.Errorf("the duplicate is named %q, want %q", d.Name(), w.Name())
	}
	if _, err := d.WriteString("one "); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WriteString("lost"); !errors.Is(err, os.ErrClosed) {
		t.Errorf("writing to the closed duplicate: %v, want os.ErrClosed", err)
	}
	if _, err := w.WriteString("two"); err != nil {
		t.Fatalf("the original after the duplicate's close: %v", err)
	}
	w.Close()
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "one two" {
		t.Errorf("the pipe carried %q (%v), want %q", b, err, "one two")
	}
}
