package proc

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER.
const prSetChildSubreaper = 36

// becomeSubreaper makes orphaned descendants of this process its children,
// so that a test can wait for their end.
func becomeSubreaper(t *testing.T) {
	t.Helper()
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
}

// waitOrphan waits for the end of pid, an orphan adopted by this process.
func waitOrphan(t *testing.T, pid int, what string) syscall.WaitStatus {
	t.Helper()
	var ws syscall.WaitStatus
	waited := make(chan error, 1)
	go func() {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		waited <- err
	}()
	limit := time.NewTimer(waitLimit)
	defer limit.Stop()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("waiting for %s %d: %v", what, pid, err)
		}
	case <-limit.C:
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("%s %d still runs after %v", what, pid, waitLimit)
	}
	return ws
}

func TestChildDiesWithKernel(t *testing.T) {
	becomeSubreaper(t)
	kernel := exec.Command(os.Args[0], "-test.run=^$")
	kernel.Env = append(os.Environ(), helperEnv+"="+toyPath)
	out, err := kernel.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := kernel.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	child, aerr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || aerr != nil {
		kernel.Process.Kill()
		kernel.Wait()
		t.Fatalf("helper kernel printed %q (%v)", line, err)
	}
	kernel.Process.Kill() // SIGKILL: no clean-up runs in the kernel
	kernel.Wait()
	// Pdeathsig kills the child, which (TOY_STAY) would otherwise outlive
	// the kernel.
	if ws := waitOrphan(t, child, "the engine child of a killed kernel"); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the child %s, want killed by SIGKILL (Pdeathsig)", describe(ws))
	}
}

func TestCloseKillsProcessGroup(t *testing.T) {
	becomeSubreaper(t)
	f := start(t, nil)
	child := f.e.PID()
	stdout, _ := f.mustRun(t, 1, "spawn").out()
	sleeper, err := strconv.Atoi(strings.TrimSpace(stdout))
	if err != nil {
		t.Fatalf("spawn printed %q", stdout)
	}
	if err := f.e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(child, 0); err != syscall.ESRCH {
		t.Errorf("after Close, the child %d still exists (kill 0: %v)", child, err)
	}
	// After Close the sleeper is an orphan, ours: wait for it.
	if ws := waitOrphan(t, sleeper, "the grandchild (sleep 1000)"); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the grandchild %s, want killed by SIGKILL", describe(ws))
	}
}

// describe says how a process ended.
func describe(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return fmt.Sprintf("was killed by signal %d", int(ws.Signal()))
	}
	return fmt.Sprintf("exited with status %d", ws.ExitStatus())
}

// countFDs counts this process's open file descriptors.
func countFDs(t *testing.T) int {
	t.Helper()
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		t.Fatal(err)
	}
	return len(names) - 1 // less d itself
}

func TestRepeatedCrashesDoNotLeak(t *testing.T) {
	f := start(t, nil)
	f.mustRun(t, 1, "def f")
	f.mustRun(t, 2, "var x 1")
	count := 3
	crash := func() time.Duration {
		t.Helper()
		res, _ := f.run(context.Background(), count, "fatal")
		count++
		if res.Err == nil || res.Err.Kind != engine.EngineCrashed || res.Err.Value != "fatal error: concurrent map writes" {
			t.Fatalf("In [%d]: %v, want EngineCrashed: fatal error: concurrent map writes", count-1, res.Err)
		}
		return f.waitReady(t).r.took
	}
	crash() // warm up: the first restart creates what later ones reuse
	goroutines, fds := runtime.NumGoroutine(), countFDs(t)
	var took []time.Duration
	for range 20 {
		took = append(took, crash())
	}
	if stdout, _ := f.mustRun(t, count, "defs\nshow x").out(); stdout != "f@1,silent\nx=\n" {
		t.Errorf("after 21 crashes: %q, want %q", stdout, "f@1,silent\nx=\n")
	}
	if g, n := runtime.NumGoroutine(), countFDs(t); g > goroutines || n != fds {
		t.Errorf("after 20 crashes: %d goroutines (was %d), %d descriptors (was %d)", g, goroutines, n, fds)
	}
	slices.Sort(took)
	t.Logf("death to ready, 20 restarts with 2 cells replayed: min %v, median %v, max %v",
		took[0], took[len(took)/2], took[len(took)-1])
}
