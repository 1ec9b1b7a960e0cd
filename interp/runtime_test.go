package interp

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// TestStdin checks that fmt.Scanln reads a line from the frontend.
func TestStdin(t *testing.T) {
	e := newEngine(t)
	out := &testOutput{input: func(string) (string, error) { return "gopher 42", nil }}
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "var name string\nvar n int\nfmt.Scanln(&name, &n)\nfmt.Sprint(name, n)", AllowStdin: true}, out)
	if res.Err != nil || resultText(res) != `"gopher42"` {
		t.Fatalf("got %q %v", resultText(res), res.Err)
	}
}

// TestStdinReader checks that os.Stdin in a cell reads through the frontend.
func TestStdinReader(t *testing.T) {
	e := newEngine(t)
	out := &testOutput{input: func(string) (string, error) { return "line one", nil }}
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "sc := bufio.NewScanner(os.Stdin)\nsc.Scan()\nsc.Text()", AllowStdin: true}, out)
	if res.Err != nil || resultText(res) != `"line one"` {
		t.Fatalf("got %q %v", resultText(res), res.Err)
	}
}

// gone tells whether process pid has ended (it no longer exists, or has
// exited and waits to be reaped).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) != nil
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && strings.HasPrefix(string(b[i+1:]), " Z")
}

// waitGone waits until pid has ended; no signal tells this process when an
// orphan ends, hence the polling, bounded by a limit that only a process
// that is not killed reaches.
func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !gone(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("%s (pid %d) still runs", what, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestInterruptKillsCommands checks that interrupting a cell ends the
// processes it started with os/exec, with their children (the command's
// process group), and that the cell's later statements do not run.
func TestInterruptKillsCommands(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	e := newEngine(t)
	mustRun(t, e, "resumed := false")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	out := &testOutput{ready: ready, marker: "\n"}
	done := make(chan engine.ExecuteResult, 1)
	go func() {
		done <- e.Execute(ctx, engine.ExecuteRequest{Code: `cmd := exec.Command("sh", "-c", "sleep 1000 & echo $!; wait")
pipe, _ := cmd.StdoutPipe()
cmd.Start()
buf := make([]byte, 32)
n, _ := pipe.Read(buf)
fmt.Printf("%d %s", cmd.Process.Pid, buf[:n])
cmd.Wait()
resumed = true`}, out)
	}()
	<-ready
	var shell, sleeper int
	if _, err := fmt.Sscan(out.text("stdout"), &shell, &sleeper); err != nil {
		t.Fatalf("the cell printed %q: %v", out.text("stdout"), err)
	}
	cancel()
	if res := <-done; res.Err == nil || res.Err.Kind != engine.Interrupt {
		t.Fatalf("want an Interrupt, got %v", res.Err)
	}
	waitGone(t, shell, "the interrupted cell's shell")
	waitGone(t, sleeper, "the shell's sleep")
	if r, _ := mustRun(t, e, "resumed"); r != "false" {
		t.Errorf("the interrupted cell went on after its command was killed: resumed = %s", r)
	}
}

// TestCommandsOutliveTheirCell checks that a command a cell started in the
// background keeps running when the cell ends normally and its context is
// then cancelled (as the kernel does after every cell), and that a command
// given a context of its own still ends with it.
func TestCommandsOutliveTheirCell(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	e := newEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &testOutput{}
	res := e.Execute(ctx, engine.ExecuteRequest{Code: "bg := exec.Command(\"sleep\", \"1000\")\nbg.Start()\nbg.Process.Pid"}, out)
	cancel()
	if res.Err != nil {
		t.Fatal(res.Err.String())
	}
	pid, err := strconv.Atoi(resultText(res))
	if err != nil {
		t.Fatalf("the cell gave %q", resultText(res))
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	// The cell's cleanup has run: a context.AfterFunc runs at once in
	// its own goroutine; give it a cell's time to do wrong.
	mustRun(t, e, "time.Sleep(100 * time.Millisecond)")
	if gone(pid) {
		t.Fatal("the command of a cell that ended normally was killed")
	}
	if pgid, _ := syscall.Getpgid(pid); pgid != pid {
		t.Errorf("the command is in process group %d, want its own (%d)", pgid, pid)
	}
	mustRun(t, e, "bg.Process.Kill()\nbg.Wait()")
	// A context of the cell's own.
	r, _ := mustRun(t, e, "cctx, stop := context.WithCancel(context.Background())\nc2 := exec.CommandContext(cctx, \"sleep\", \"1000\")\nc2.Start()\nstop()\nc2.Wait() != nil")
	if r != "true" {
		t.Errorf("CommandContext's command after its context ended: Wait() != nil is %s, want true", r)
	}
}
