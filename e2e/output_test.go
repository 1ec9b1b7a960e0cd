package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestKernelCellOutput checks through the real kernel with jupyter_client
// (testdata/kernel_output_gopar.py) that output belongs to its cell: a
// goroutine of an earlier cell flooding stdout does not use up the running
// cell's output limit (2 MB), whose own lines all arrive, with the engine's
// notice naming the cell that started the goroutine and without the
// kernel's; a cell that closes os.Stdout does not silence later cells; a
// goroutine's output after its cell ended goes to the running cell.
func TestKernelCellOutput(t *testing.T) {
	requireTools(t, jupyterClient)
	env := jupyterEnv(t)
	cases := runCases(t, env, 5*time.Minute, "kernel_output_gopar.py")
	if len(cases) != 3 {
		t.Fatalf("got %d cases, want 3", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			if r := c.obj("reply"); r["status"] != "ok" {
				t.Fatalf("the cell failed: %s", errorText(r))
			}
			switch c.name() {
			case "background-budget":
				if c.num("own") != c.num("own_want") {
					t.Errorf("%v of the cell's %v own lines arrived", c.num("own"), c.num("own_want"))
				}
				if n := c.num("background"); n == 0 || n*1000 > 256<<10 {
					t.Errorf("the earlier cell's goroutine sent %v lines of 1000 bytes, want some and at most 256 KB", n)
				}
				stderr := c.str("stderr")
				notice := "[output of goroutines started by In [" + fmtAny(c["setup_count"]) + "] truncated"
				if !strings.Contains(stderr, notice) {
					t.Errorf("stderr lacks %q: %q", notice, stderr)
				}
				if strings.Contains(stderr, "[output truncated: this cell") {
					t.Errorf("the kernel truncated the cell's output: %q", stderr)
				}
			case "stdout-close":
				t.Logf("closing os.Stdout took %.3fs, the next cell %.3fs", c.num("took"), c.num("after_took"))
				if c.str("after") != "after\ndirect\n" {
					t.Errorf("the cell after os.Stdout.Close() printed %q, want %q", c.str("after"), "after\ndirect\n")
				}
			case "late-output":
				if c.str("stdout") != "late line\n" {
					t.Errorf("the running cell got %q, want the goroutine's late line", c.str("stdout"))
				}
			}
		})
	}
}
