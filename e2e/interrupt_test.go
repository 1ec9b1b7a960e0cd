package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestKernelInterrupts interrupts cells through the real kernel with
// jupyter_client (testdata/kernel_interrupt_gopar.py): a function, a
// method, closures held in a variable, a map and a struct, and a closure
// run by parlib.Spawn, each blocked in an endless loop, time.Sleep, a
// channel receive or parlib.For. Each interrupt must end its cell with an
// Interrupt error, after which every one of those callables, defined
// before, must still work. A cell deadlocked on a mutex, interrupted, must
// not keep later cells from running; and an interrupt that comes while no
// cell runs must stop a goroutine an earlier cell left printing.
func TestKernelInterrupts(t *testing.T) {
	requireTools(t, jupyterClient)
	env := jupyterEnv(t)
	cases := runCases(t, env, 10*time.Minute, "kernel_interrupt_gopar.py")
	if len(cases) != 1+6*4+2 {
		t.Errorf("got %d cases, want %d", len(cases), 1+6*4+2)
	}
	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			switch c.name() {
			case "setup":
				if c.obj("reply")["status"] != "ok" || c.str("check") != c.str("want") {
					t.Fatalf("setup: %v; check printed %q, want %q", errorText(c.obj("reply")), c.str("check"), c.str("want"))
				}
			case "mutex-deadlock":
				checkInterrupted(t, c)
				t.Logf("the next cell answered %.2fs after its request", c.num("next_took"))
				if c["hung"] == true || c.str("next") != "2" {
					t.Errorf("the cell after the interrupted deadlock: hung %v, result %q, stderr %q; want 2", c["hung"], c.str("next"), c.str("next_stderr"))
				}
				checkCallables(t, c)
			case "idle-interrupt":
				if c["hung"] == true {
					t.Fatal("cells hung (an earlier interrupted cell still blocks the engine)")
				}
				if c.num("ticking") == 0 {
					t.Fatal("the goroutine printed nothing before the interrupt")
				}
				if n := c.num("later"); n != 0 {
					t.Errorf("the goroutine printed %v more ticks after an interrupt while no cell ran, want none (needs the kernel to call engine.IdleInterrupter)", n)
				}
				checkCallables(t, c)
			default:
				checkInterrupted(t, c)
				if c["hung"] == true {
					t.Fatalf("the cell calling every callable hung after the interrupt")
				}
				checkCallables(t, c)
			}
		})
	}
}

// checkInterrupted checks that the case's interrupted cell ended with an
// Interrupt error; the time the reply took is logged.
func checkInterrupted(t *testing.T, c kernelCase) {
	t.Helper()
	r := c.obj("reply")
	t.Logf("interrupt answered in %.0f ms", c.num("interrupted_after")*1000)
	if r["status"] != "error" || r["ename"] != "Interrupt" {
		t.Errorf("the interrupted cell: %s; want an Interrupt error", errorText(r))
	}
}

// checkCallables checks what the cell calling every callable printed.
func checkCallables(t *testing.T, c kernelCase) {
	t.Helper()
	if got, want := c.str("check"), c.str("want"); got != want {
		t.Errorf("add, addF, adder.Add, addV, addM, addS.f, spawnAdd gave %q, want %q (stderr %q; %s)",
			strings.TrimSpace(got), strings.TrimSpace(want), c.str("check_stderr"), errorText(c.obj("check_reply")))
	}
}
