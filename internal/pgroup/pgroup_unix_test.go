//go:build unix

package pgroup

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCancelKillsGroup starts a shell that starts a sleep in the
// background, cancels the command's context, and checks that the sleep (a
// process the Cmd does not know) is killed too.
func TestCancelKillsGroup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", "sleep 1000 & echo $!; wait")
	Isolate(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	sleeper, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		t.Fatalf("the shell printed %q", buf[:n])
	}
	if pgid, _ := syscall.Getpgid(sleeper); pgid != cmd.Process.Pid {
		t.Fatalf("the sleep is in group %d, want the shell's %d", pgid, cmd.Process.Pid)
	}
	cancel()
	if err := cmd.Wait(); err == nil {
		t.Error("Wait after the cancel returned nil, want the kill")
	}
	// The sleep is the shell's child, now an orphan.
	waitOrphanGone(t, sleeper, fmt.Sprintf("the sleep %d of the shell still runs after the cancel", sleeper))
}

// waitOrphanGone waits until pid, an orphan that init reaps, has ended:
// it polls, as no signal tells this process. Past 20 seconds it kills pid
// and fails the test with msg.
func waitOrphanGone(t *testing.T, pid int, msg string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for syscall.Kill(pid, 0) == nil && !zombie(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatal(msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// zombie tells whether pid has exited and waits to be reaped.
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && strings.HasPrefix(string(b[i+1:]), " Z")
}

// TestKillWithoutGroup kills a process that leads no group of its own.
func TestKillWithoutGroup(t *testing.T) {
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := Kill(cmd.Process); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Wait: %v, want killed", err)
	}
	if err := Kill(cmd.Process); err != os.ErrProcessDone {
		t.Errorf("Kill of a process that has ended: %v, want os.ErrProcessDone", err)
	}
}
