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

// TestDeathKillsSession checks that processes a cell started in process
// groups of their own (as the Go engine does, to interrupt them group by
// group) end with the child, whether the child is closed or dies.
func TestDeathKillsSession(t *testing.T) {
	becomeSubreaper(t)
	f := start(t, nil)
	spawn := func(count int) int {
		t.Helper()
		stdout, _ := f.mustRun(t, count, "spawngroup").out()
		pid, err := strconv.Atoi(strings.TrimSpace(stdout))
		if err != nil {
			t.Fatalf("spawngroup printed %q", stdout)
		}
		if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
			t.Fatalf("the sleeper %d is in group %d (%v), want its own", pid, pgid, err)
		}
		return pid
	}
	sleeper := spawn(1)
	if res, _ := f.run(context.Background(), 2, "fatal"); res.Err == nil || res.Err.Kind != engine.EngineCrashed {
		t.Fatalf("fatal: %v, want EngineCrashed", res.Err)
	}
	if ws := waitOrphan(t, sleeper, "the sleeper of the crashed child"); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the sleeper of the crashed child %s, want killed by SIGKILL", describe(ws))
	}
	sleeper = spawn(3)
	if err := f.e.Close(); err != nil {
		t.Fatal(err)
	}
	if ws := waitOrphan(t, sleeper, "the sleeper of the closed child"); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the sleeper of the closed child %s, want killed by SIGKILL", describe(ws))
	}
}

func TestStatSession(t *testing.T) {
	for _, tc := range []struct {
		stat  string
		sid   int
		state byte
		ok    bool
	}{
		{"123 (sleep) S 1 123 77 0 -1 4194560", 77, 'S', true},
		{"123 (a) b (c) Z 1 5 6 0", 6, 'Z', true},
		{"123 (x", 0, 0, false},
		{"123 (x) R 1", 0, 0, false},
	} {
		sid, state, ok := statSession([]byte(tc.stat))
		if sid != tc.sid || state != tc.state || ok != tc.ok {
			t.Errorf("statSession(%q) = %d, %q, %v; want %d, %q, %v", tc.stat, sid, state, ok, tc.sid, tc.state, tc.ok)
		}
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
